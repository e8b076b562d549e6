import { expect } from 'chai';
import { planPut, sha256, type DestState, type PutState } from '../../../../modules/system/common/put-file.ts';
import { copy } from '../../../../modules/system/copy.ts';
import type { StatInfo } from '../../../../modules/facts/stat.ts';

const reg = (mode = '0644', owner = 'root'): StatInfo => ({ exists: true, type: 'file', mode, owner, group: 'root', uid: owner === 'root' ? 0 : 5, gid: 0, size: 4, inode: '1:1' });
const content = (s: string | Buffer) => ({ kind: 'content' as const, content: Buffer.from(s) });
const one = (f: Partial<DestState> & { st: StatInfo }, extra: Partial<PutState> = {}): PutState => ({ files: [{ dest: '/etc/x', source: content('new\n'), ...f }], dirs: [], ...extra });

describe('copy/template: plan', () => {
  it('creates a new file with 0644 and a diff from empty', () => {
    const p = planPut(one({ st: { exists: false } }), {});
    expect(p.changes).to.have.length(1);
    const c = p.changes[0]!;
    expect(c.summary).to.equal('/etc/x: create (4 bytes, mode 0644)');
    expect(c.diff).to.deep.equal({ path: '/etc/x', before: '', after: 'new\n' });
    expect(c.ops[0]).to.deep.include({ kind: 'put', path: '/etc/x', mode: '0644' });
    expect(p.result).to.deep.equal({ dest: '/etc/x', checksum: sha256(Buffer.from('new\n')) });
  });
  it('no change when the checksum matches', () => {
    expect(planPut(one({ st: reg(), sha256: sha256(Buffer.from('new\n')) }), {}).changes).to.deep.equal([]);
  });
  it('only the mode when content matches', () => {
    const p = planPut(one({ st: reg(), sha256: sha256(Buffer.from('new\n')) }), { mode: '0600' });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['/etc/x: mode 0644 → 0600']);
  });
  it('update keeps mode and owner of the replaced file, diff shows old content', () => {
    const p = planPut(one({ st: reg('0640', 'etcd'), sha256: 'x', before: { exists: true, content: Buffer.from('old\n') } }), {});
    const c = p.changes[0]!;
    expect(c.summary).to.equal('/etc/x: update content');
    expect(c.ops[0]).to.deep.include({ mode: '0640', owner: 'etcd', group: 'root' });
    expect(c.diff).to.deep.equal({ path: '/etc/x', before: 'old\n', after: 'new\n' });
  });
  it('force false leaves an existing file alone', () => {
    expect(planPut(one({ st: reg(), sha256: 'x' }), { force: false }).changes).to.deep.equal([]);
  });
  it('binary content: summary only', () => {
    const p = planPut(one({ st: { exists: false }, source: content(Buffer.from([0, 1, 2])) }), {});
    expect(p.changes[0]!.diff).to.equal(undefined);
    expect(p.changes[0]!.summary).to.match(/no diff/);
  });
  it('private keys are sensitive: no diff', () => {
    const p = planPut(one({ st: { exists: false }, source: content('-----BEGIN RSA PRIVATE KEY-----\nabc\n') }), {});
    expect(p.changes[0]).to.include({ sensitive: true });
    expect(p.changes[0]!.diff).to.equal(undefined);
  });
  it('missing parent directory fails; one an earlier task creates is planned "after"', () => {
    expect(planPut(one({ st: { exists: false } }, { missingParent: '/etc' }), {}).failed).to.match(/does not exist/);
    expect(planPut(one({ st: { exists: false } }, { parentAfter: 'mkdir' }), {}).changes[0]!.after).to.equal('mkdir');
  });
  it('directory copies create missing directories first', () => {
    const s: PutState = { files: [{ dest: '/d/a/f', source: content('x'), st: { exists: false } }], dirs: [{ path: '/d', st: { exists: false } }, { path: '/d/a', st: { exists: false } }] };
    expect(planPut(s, {}).changes.map((c) => c.summary)).to.deep.equal(['/d: absent → directory', '/d/a: absent → directory', '/d/a/f: create (1 bytes, mode 0644)']);
  });
  it('remote src: missing source fails; otherwise an atomic cp op', () => {
    const remote = { kind: 'remote' as const, path: "/tmp/it's" };
    expect(planPut(one({ st: { exists: false }, source: remote }), {}).failed).to.match(/remote src/);
    const p = planPut(one({ st: { exists: false }, source: remote, srcSha256: 'abc' }), {});
    const op = p.changes[0]!.ops[0]!;
    expect(op.kind).to.equal('exec');
    expect(op.kind === 'exec' && op.cmd).to.contain(`cp -- '/tmp/it'\\''s'`);
  });
  it('validate: src or content, not both', () => {
    expect(copy.validate!({ dest: '/x' })[0]!.key).to.equal('src');
    expect(copy.validate!({ dest: '/x', src: 'a', content: 'b' })[0]!.key).to.equal('content');
    expect(copy.validate!({ dest: '/x', content: 'b', remote_src: true })[0]!.key).to.equal('remote_src');
    expect(copy.validate!({ dest: '/x', content: 'b' })).to.deep.equal([]);
  });
});
