/** Check mode: probes answer what the earlier tasks of the run would have made (the ledger), not the module. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbes } from '../../../../modules/facts/batch.ts';
import { exists, presence } from '../../../../modules/facts/command.ts';
import { statAndContent } from '../../../../modules/facts/content.ts';
import { unitFilesProbe } from '../../../../modules/system/probes.ts';
import { statEachPlanned, statPlanned } from '../../../../modules/facts/planned-stat.ts';
import { sourceFile } from '../../../../modules/facts/source.ts';
import { checksum } from '../../../../modules/facts/checksum.ts';
import { eitherLayout } from '../../../../modules/facts/either.ts';
import { runQuery } from '../../../../modules/facts/query.ts';
import { tableQuery } from '../../../../modules/cluster/iptables/probes.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { queryOn } from '../../../../engine/executor/module-context.ts';
import { LocalTransport } from '../../../../engine/transport/local.ts';

describe('probes apply the planned effects in check mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-planned-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const query = queryOn(new LocalTransport('localhost'));

  it('exists and statAndContent: a file an earlier task writes is there, with its content and the task', async () => {
    const later = join(dir, 'later.conf');
    const gone = join(dir, 'gone');
    writeFileSync(gone, 'x');
    const planned = new HostLedger();
    planned.record({ kind: 'path', path: later, state: 'file', content: 'a=1\n' }, 'write later.conf');
    planned.record({ kind: 'path', path: gone, state: 'absent' }, 'remove gone');
    const probes = { later: exists(later), gone: exists(gone), sc: statAndContent(later), p: presence(later) };

    const real = await runProbes({ query }, probes);
    expect(real).to.deep.include({ later: false, gone: true });
    expect(real.sc).to.deep.equal({ st: { exists: false }, content: { exists: false } });
    expect(real.p).to.deep.equal({ exists: false });

    const check = await runProbes({ query, planned }, probes);
    expect(check).to.deep.include({ later: true, gone: false });
    expect(check.p).to.deep.equal({ exists: true, plannedBy: 'write later.conf' });
    expect(check.sc).to.deep.equal({ st: { exists: false }, content: { exists: true, content: Buffer.from('a=1\n') }, plannedBy: 'write later.conf' });
  });

  it('unit files: the earlier task that writes the unit', async () => {
    const planned = new HostLedger();
    planned.record({ kind: 'path', path: '/etc/systemd/system/kplay-planned-test.service', state: 'file' }, 'install the unit');
    const probes = { f: unitFilesProbe('kplay-planned-test.service') };
    expect((await runProbes({ query }, probes)).f).to.deep.equal({ paths: [] });
    expect((await runProbes({ query, planned }, probes)).f).to.deep.equal({ paths: [], plannedBy: 'install the unit' });
  });

  it('statPlanned and statEachPlanned: what is there now, and the entry of the task that plans the path', async () => {
    const here = join(dir, 'here');
    const soon = join(dir, 'soon');
    const sub = join(dir, 'subdir');
    writeFileSync(here, 'x');
    const planned = new HostLedger();
    planned.record({ kind: 'path', path: here, state: 'absent' }, 'remove here');
    planned.record({ kind: 'path', path: soon, state: 'file', mode: '0600' }, 'write soon');
    planned.record({ kind: 'path', path: sub, state: 'directory' }, 'mkdir subdir');
    const probes = { here: statPlanned(here), soon: statPlanned(soon, true), slash: statPlanned(`${sub}/`), each: statEachPlanned([here, soon]) };

    const real = await runProbes({ query }, probes);
    expect(real.here.st.exists).to.equal(true);
    expect(real.soon).to.deep.equal({ st: { exists: false } });
    expect(real.each.map((e) => Object.keys(e))).to.deep.equal([['st'], ['st']]);

    const check = await runProbes({ query, planned }, probes);
    expect(check.here.st.exists).to.equal(true);
    expect(check.here.planned).to.include({ state: 'absent', by: 'remove here' });
    expect(check.soon).to.deep.equal({ st: { exists: false }, planned: { kind: 'path', path: soon, state: 'file', mode: '0600', by: 'write soon' } });
    // `dir/` is the directory dir
    expect(check.slash.planned).to.include({ state: 'directory', by: 'mkdir subdir' });
    expect(check.each.map((e) => e.planned?.by)).to.deep.equal(['remove here', 'write soon']);
  });

  it('sourceFile: the checksum and content of a file an earlier task writes, or a checksum no file has', async () => {
    const src = join(dir, 'src.txt');
    writeFileSync(src, 'on disk\n');
    const known = join(dir, 'known.txt');
    const uploaded = join(dir, 'uploaded.bin');
    const planned = new HostLedger();
    planned.record({ kind: 'path', path: known, state: 'file', content: 'planned\n' }, 'write known');
    planned.record({ kind: 'path', path: uploaded, state: 'file', source: '/ctl/blob' }, 'upload blob');
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const probes = { src: sourceFile(src, 1024), known: sourceFile(known, 1024), uploaded: sourceFile(uploaded, 1024), small: sourceFile(src, 0) };

    const real = await runProbes({ query }, probes);
    expect(real.src).to.deep.equal({ sha256: sha('on disk\n'), content: { exists: true, content: Buffer.from('on disk\n') } });
    expect(real.small).to.deep.equal({ sha256: sha('on disk\n'), content: { exists: true, tooBig: 8 } });
    expect(real.known).to.deep.equal({ content: { exists: false } });

    const check = await runProbes({ query, planned }, probes);
    expect(check.src).to.deep.equal(real.src);
    expect(check.known).to.deep.equal({ sha256: sha('planned\n'), content: { exists: true, content: Buffer.from('planned\n') }, plannedBy: 'write known' });
    expect(check.uploaded).to.deep.equal({ sha256: 'unknown:upload blob', content: { exists: false }, plannedBy: 'upload blob' });
  });

  it('eitherLayout: a missing dest that an earlier task makes a directory; the layouts\' own planned answers', async () => {
    const existing = join(dir, 'either-dir');
    mkdirSync(existing);
    const fresh = join(dir, 'either-new');
    const planned = new HostLedger();
    planned.record({ kind: 'path', path: fresh, state: 'directory' }, 'mkdir either-new');
    const layouts = (dest: string) => eitherLayout(dest, { st: statEachPlanned([dest]), sum: checksum(dest) }, { st: statEachPlanned([join(dest, 'f')]) });

    const inside = await runProbes({ query, planned }, layouts(existing));
    expect(inside.st).to.deep.equal({ inside: true, value: [{ st: { exists: false } }] });
    expect(inside.sum).to.deep.equal({ inside: true, value: undefined });

    expect((await runProbes({ query }, layouts(fresh))).st).to.deep.equal({ inside: false, absent: true, value: [{ st: { exists: false } }] });
    const check = await runProbes({ query, planned }, layouts(fresh));
    expect(check.st.insideAfter).to.equal('mkdir either-new');
    expect(check.st.value).to.deep.equal([{ st: { exists: false }, planned: { kind: 'path', path: fresh, state: 'directory', by: 'mkdir either-new' } }]);
  });

  it('tableQuery: a chain an earlier task creates is there in check mode, one it deletes is not', async () => {
    const save = '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    const runner = { query: () => Promise.resolve({ rc: 0, stdout: save, stderr: '' }) };
    const planned = new HostLedger();
    planned.record({ kind: 'chain', family: 'ipv4', table: 'filter', chain: 'KPLAY-FW', state: 'present' }, 'make the chain');
    planned.record({ kind: 'chain', family: 'ipv4', table: 'filter', chain: 'KPLAY-OLD', state: 'absent' }, 'drop the chain');
    const real = await runQuery(runner, tableQuery(false, 'filter', 'KPLAY-FW'));
    expect([...real.dump.keys()]).to.deep.equal(['INPUT']);
    expect(real).not.to.have.property('chainAfter');
    expect((await runQuery({ ...runner, planned }, tableQuery(false, 'filter', 'KPLAY-FW'))).chainAfter).to.equal('make the chain');
    expect(await runQuery({ ...runner, planned }, tableQuery(false, 'filter', 'KPLAY-OLD'))).not.to.have.property('chainAfter');
    // the other family's chain of the same name is another chain
    expect(await runQuery({ ...runner, planned }, tableQuery(true, 'filter', 'KPLAY-FW'))).not.to.have.property('chainAfter');
    expect(await runQuery({ ...runner, planned }, tableQuery(false, 'filter'))).not.to.have.property('chainAfter');
  });
});
