/**
 * Check mode on a fresh run: copy of a controller file an earlier task writes (cert → pki_dir).
 * site.yml's node role copies ca.pem to /etc/kubernetes/pki/ca.crt, which the control-plane role
 * already copied there on control-plane nodes: the real run finds it in place, so check must too.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copy } from '../../../../modules/system/copy.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { createModuleContext } from '../../../../engine/executor/module-context.ts';
import { LocalTransport } from '../../../../engine/transport/local.ts';

describe('copy of a file an earlier task writes on the controller (check mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-pending-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'pki', 'ca.pem');
  const dest = join(dir, 'host', 'ca.crt');

  async function plan(ledger: HostLedger, args: { src: string; dest: string; mode: string; owner?: string }) {
    const controllerLedger = new HostLedger();
    controllerLedger.record({ kind: 'path', path: ca, state: 'file', on: 'controller' }, 'make the CA');
    const ctx = createModuleContext({
      host: 'localhost',
      transport: new LocalTransport('localhost'),
      vars: {},
      check: true,
      diff: true,
      ledger,
      controllerLedger,
      controller: { playbookDir: dir, inventoryDir: dir, pkiDir: join(dir, 'pki'), cacheDir: dir },
    });
    return copy.plan(await copy.read(ctx, args), args, { host: 'localhost', check: true, diff: true });
  }

  it('is a change, after the task that writes the source', async () => {
    const p = await plan(new HostLedger(), { src: ca, dest, mode: '0644' });
    expect(p.changes).to.have.length(1);
    expect(p.changes[0]!.after).to.equal('make the CA');
  });

  it('changes nothing when an earlier task uploads the same file there with the same attributes', async () => {
    const ledger = new HostLedger();
    ledger.record({ kind: 'path', path: dest, state: 'file', source: ca, mode: '0644', owner: 'root' }, 'CA certificates');
    expect((await plan(ledger, { src: ca, dest, mode: '0644', owner: 'root' })).changes).to.deep.equal([]);
    // another mode, or another source, is still a change
    expect((await plan(ledger, { src: ca, dest, mode: '0600', owner: 'root' })).changes).to.have.length(1);
    const other = new HostLedger();
    other.record({ kind: 'path', path: dest, state: 'file', source: join(dir, 'pki', 'other.pem'), mode: '0644', owner: 'root' }, 'other');
    expect((await plan(other, { src: ca, dest, mode: '0644', owner: 'root' })).changes).to.have.length(1);
  });
});
