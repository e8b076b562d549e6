import { expect } from 'chai';
import { file, planFile, type FileArgs, type FileState } from '../../../../modules/system/file.ts';
import type { StatInfo } from '../../../../modules/facts/stat.ts';

const absent: StatInfo = { exists: false };
const dir = (mode = '0755', owner = 'root'): StatInfo => ({ exists: true, type: 'directory', mode, owner, group: 'root', uid: owner === 'root' ? 0 : 1000, gid: 0, size: 4096, inode: '1:1' });
const reg = (mode = '0644', inode = '1:2'): StatInfo => ({ exists: true, type: 'file', mode, owner: 'root', group: 'root', uid: 0, gid: 0, size: 3, inode });
const link = (target: string): StatInfo => ({ exists: true, type: 'link', mode: '0777', owner: 'root', group: 'root', uid: 0, gid: 0, size: 3, inode: '1:3', target });

interface Row {
  name: string;
  args: FileArgs;
  state: Partial<FileState> & { st: StatInfo };
  summaries?: string[];
  failed?: RegExp;
  cmds?: unknown[];
  after?: string;
}

const rows: Row[] = [
  { name: 'directory: create with mode', args: { path: '/d', state: 'directory', mode: '0700' }, state: { st: absent }, summaries: ['/d: absent → directory (mode 0700)'], cmds: [['mkdir', '-p', '--', '/d'], ['chmod', '--', '0700', '/d']] },
  { name: 'directory: exists, same mode', args: { path: '/d', state: 'directory', mode: '0755' }, state: { st: dir() }, summaries: [] },
  { name: 'directory: mode differs', args: { path: '/d', state: 'directory', mode: '0700' }, state: { st: dir() }, summaries: ['/d: mode 0755 → 0700'] },
  { name: 'directory: owner by uid matches', args: { path: '/d', state: 'directory', owner: 0 }, state: { st: dir() }, summaries: [] },
  { name: 'directory: owner differs', args: { path: '/d', state: 'directory', owner: 'etcd', group: 'root' }, state: { st: dir() }, summaries: ['/d: owner root → etcd'], cmds: [['chown', '--', 'etcd', '/d']] },
  { name: 'directory: a file is there', args: { path: '/d', state: 'directory' }, state: { st: reg() }, failed: /is a file/ },
  { name: 'directory: recurse drift', args: { path: '/d', state: 'directory', owner: 'etcd', recurse: true }, state: { st: dir('0755', 'etcd'), recurseDrift: true }, summaries: ['/d: set owner recursively'], cmds: [['chown', '-R', '--', 'etcd', '/d']] },
  { name: 'absent: removes a directory recursively', args: { path: '/d', state: 'absent' }, state: { st: dir() }, summaries: ['/d: directory → absent'] },
  { name: 'absent: nothing there', args: { path: '/d', state: 'absent' }, state: { st: absent }, summaries: [] },
  { name: 'absent: an earlier task creates it', args: { path: '/d', state: 'absent' }, state: { st: absent, planned: { kind: 'path', path: '/d', state: 'file', by: 'put it' } }, summaries: ['/d: file → absent'], after: 'put it' },
  { name: 'file: missing fails', args: { path: '/f' }, state: { st: absent }, failed: /does not exist/ },
  { name: 'file: mode symbolic', args: { path: '/f', mode: 'go-r' }, state: { st: reg() }, summaries: ['/f: mode 0644 → 0600'] },
  { name: 'file: missing, but an earlier task writes it (check mode)', args: { path: '/f', mode: '0600' }, state: { st: absent, planned: { kind: 'path', path: '/f', state: 'file', mode: '0644', by: 'copy f' } }, summaries: ['/f: mode 0644 → 0600'], after: 'copy f' },
  { name: 'touch: creates', args: { path: '/f', state: 'touch' }, state: { st: absent }, summaries: ['/f: absent → file'], cmds: [['touch', '--', '/f']] },
  { name: 'touch: exists: no change', args: { path: '/f', state: 'touch' }, state: { st: reg() }, summaries: [] },
  { name: 'link: create', args: { path: '/l', state: 'link', src: '/t' }, state: { st: absent, srcSt: reg() }, summaries: ['/l: absent → link → /t'], cmds: [['ln', '-sfn', '--', '/t', '/l']] },
  { name: 'link: correct already', args: { path: '/l', state: 'link', src: '/t' }, state: { st: link('/t'), srcSt: reg() }, summaries: [] },
  { name: 'link: retarget', args: { path: '/l', state: 'link', src: '/t' }, state: { st: link('/old'), srcSt: reg() }, summaries: ['/l: link → /old → link → /t'] },
  { name: 'link: missing src fails', args: { path: '/l', state: 'link', src: '/t' }, state: { st: absent, srcSt: absent }, failed: /does not exist/ },
  { name: 'link: missing src with force', args: { path: '/l', state: 'link', src: '/t', force: true }, state: { st: absent, srcSt: absent }, summaries: ['/l: absent → link → /t'] },
  { name: 'link: src from an earlier task', args: { path: '/l', state: 'link', src: '/t' }, state: { st: absent, srcSt: absent, srcPlanned: { kind: 'path', path: '/t', state: 'file', by: 'download t' } }, summaries: ['/l: absent → link → /t'], after: 'download t' },
  { name: 'link: refuses to replace a file', args: { path: '/l', state: 'link', src: '/t' }, state: { st: reg(), srcSt: reg() }, failed: /refusing/ },
  { name: 'link: replaces a file with force', args: { path: '/l', state: 'link', src: '/t', force: true }, state: { st: reg(), srcSt: reg() }, summaries: ['/l: file → link → /t'], cmds: [['ln', '-sfn', '--', '/t', '/l']] },
  { name: 'hard: same inode', args: { path: '/h', state: 'hard', src: '/t' }, state: { st: reg('0644', '9:9'), srcSt: reg('0644', '9:9') }, summaries: [] },
  { name: 'hard: create', args: { path: '/h', state: 'hard', src: '/t' }, state: { st: absent, srcSt: reg('0644', '9:9') }, summaries: ['/h: absent → hard link to /t'], cmds: [['ln', '-f', '--', '/t', '/h']] },
];

describe('file: plan', () => {
  for (const r of rows) {
    it(r.name, () => {
      const p = planFile({ path: r.args.path!, ...r.state }, r.args);
      if (r.failed) {
        expect(p.failed).to.match(r.failed);
        return;
      }
      expect(p.failed).to.equal(undefined);
      if (r.summaries) expect(p.changes.map((c) => c.summary)).to.deep.equal(r.summaries);
      if (r.cmds) expect(p.changes.flatMap((c) => c.ops).filter((o) => o.kind === 'exec').map((o) => o.kind === 'exec' && o.cmd)).to.deep.equal(r.cmds);
      if (r.after) expect(p.changes[0]?.after).to.equal(r.after);
      for (const c of p.changes) expect(c.diff?.before ?? '', c.summary).to.be.a('string');
    });
  }
  it('diff lines show state and mode', () => {
    const p = planFile({ path: '/d', st: dir() }, { path: '/d', state: 'directory', mode: '0700' });
    expect(p.changes[0]!.diff).to.deep.equal({ path: '/d', before: 'mode: 0755\n', after: 'mode: 0700\n' });
  });
  it('validate: exclusive and required keys', () => {
    const v = file.validate!;
    expect(v({ path: '/a', dest: '/b' })).to.have.length(1);
    expect(v({})[0]!.message).to.match(/path is required/);
    expect(v({ path: '/a', state: 'link' })[0]!.key).to.equal('src');
    expect(v({ path: '/a', src: '/b' })[0]!.key).to.equal('src');
    expect(v({ path: '/a', state: 'directory', recurse: true, mode: 'u+x' })[0]!.message).to.match(/octal/);
    expect(v({ path: '/a', mode: 999 })[0]!.key).to.equal('mode');
    expect(v({ name: '/a', state: 'directory', mode: '0755' })).to.deep.equal([]);
  });
});
