/**
 * Engine gaps found while writing the pki and etcd roles, as runnable reproductions on the
 * controller (no lab). They state the behaviour the roles need and are pending until the engine
 * does it; the roles work around both (docs/roles.md, "Known engine gaps").
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/roles');

describe('engine gaps met by the cluster roles', function () {
  this.timeout(60_000);

  // modules/system/copy.ts readCopy → ctx.findFile throws KPLAY_FILE_NOT_FOUND for a controller
  // src that the cert task before it would create; the ledger is not asked (it is per host, and
  // controller files written by `controller` ops are only in the ledger of the host that ran them).
  it.skip('check mode: copy from a controller file an earlier cert task would create plans "after: …" (pending: engine gap)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kplay-gap-copy-'));
    const r = await kplay('run', join(fixtures, 'check-copy-from-pki/site.yml'), '-e', `out=${out}`, '--check', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const copy = r.events.find((e) => e.type === 'host_result' && e.task === 'install the CA certificate');
    expect(copy?.status).to.equal('changed');
  });

  // engine/load/keywords.ts lets a template string stand for the integer throttle;
  // engine/executor/task-runner.ts runTask then tests `task.throttle > 0` on the unrendered string,
  // which is false, so the task runs on every host at once.
  it.skip('a templated throttle is rendered and applied (pending: engine gap)', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'kplay-gap-throttle-')), 'log');
    const dir = join(fixtures, 'templated-throttle');
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '-e', `out=${log}`);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(log, 'utf8')).to.equal('begin\nend\n'.repeat(3));
  });

  // engine/executor/task-runner.ts: finish() applies ansible_facts of set_fact/setup/include_vars
  // from the task's result, but a looped task's aggregate result has none (they are in each
  // item's result), so facts set in a loop are dropped; with delegate_facts too.
  it.skip('set_fact in a loop keeps the facts of every item (pending: engine gap)', async () => {
    const r = await kplay('run', join(fixtures, 'loop-set-fact/site.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const shown = r.events.find((e) => e.type === 'host_result' && e.task === 'the last one');
    expect(JSON.stringify(shown?.result)).to.contain('"msg":"b"');
  });

  // engine/executor/task-runner.ts runTaskOnHost evaluates `when` once before the loop, without
  // the loop variable, and again per item.
  it.skip('a when on the loop variable is evaluated per item (pending: engine gap)', async () => {
    const r = await kplay('run', join(fixtures, 'loop-when-item/site.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const items = r.events.filter((e) => e.type === 'host_result' && e.task === 'only b').map((e) => `${String(e.item)} ${String(e.status)}`);
    expect(items).to.deep.equal(['a skipped', 'b ok']);
  });
});
