/** Check mode: probes answer what the earlier tasks of the run would have made (the ledger), not the module. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbes } from '../../../../modules/facts/batch.ts';
import { exists, presence } from '../../../../modules/facts/command.ts';
import { statAndContent } from '../../../../modules/facts/content.ts';
import { unitFilesProbe } from '../../../../modules/system/probes.ts';
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
});
