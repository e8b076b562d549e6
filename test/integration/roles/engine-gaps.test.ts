/**
 * Engine behaviours the cluster roles need, first written as failing reproductions while writing
 * the pki and etcd roles, now fixed in the engine; run on the controller (no lab).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/roles');

describe('engine behaviours the cluster roles need', function () {
  this.timeout(60_000);

  // was: modules/system/copy.ts readCopy → ctx.findFile threw KPLAY_FILE_NOT_FOUND for a controller
  // src that the cert task before it would create; the ledger is not asked (it is per host, and
  // controller files written by `controller` ops are only in the ledger of the host that ran them).
  it('check mode: copy from a controller file an earlier cert task would create plans "after: …"', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kplay-gap-copy-'));
    const r = await kplay('run', join(fixtures, 'check-copy-from-pki/site.yml'), '-e', `out=${out}`, '--check', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const copy = r.events.find((e) => e.type === 'host_result' && e.task === 'install the CA certificate');
    expect(copy?.status).to.equal('changed');
  });

  // was: engine/load/keywords.ts lets a template string stand for the integer throttle;
  // engine/executor/task-runner.ts runTask then tested `task.throttle > 0` on the unrendered string,
  // which is false, so the task runs on every host at once.
  it('a templated throttle is rendered and applied', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'kplay-gap-throttle-')), 'log');
    const dir = join(fixtures, 'templated-throttle');
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '-e', `out=${log}`);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(log, 'utf8')).to.equal('begin\nend\n'.repeat(3));
  });

  // was: engine/executor/task-runner.ts: finish() applied ansible_facts of set_fact/setup/include_vars
  // from the task's result, but a looped task's aggregate result has none (they are in each
  // item's result), so facts set in a loop are dropped; with delegate_facts too.
  it('set_fact in a loop keeps the facts of every item', async () => {
    const r = await kplay('run', join(fixtures, 'loop-set-fact/site.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const shown = r.events.find((e) => e.type === 'host_result' && e.task === 'the last one');
    expect(JSON.stringify(shown?.result)).to.contain('"msg":"b"');
  });

  // was: engine/executor/task-runner.ts runTaskOnHost evaluated `when` once before the loop, without
  // the loop variable, and again per item.
  it('a when on the loop variable is evaluated per item', async () => {
    const r = await kplay('run', join(fixtures, 'loop-when-item/site.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const items = r.events.filter((e) => e.type === 'host_result' && e.task === 'only b').map((e) => `${String(e.item)} ${String(e.status)}`);
    expect(items).to.deep.equal(['a skipped', 'b ok']);
  });

  // Open: engine/report redaction takes every argument value of a no_log task as a secret for the
  // rest of the run, so a plain value (owner: etcd) is censored in host names and task names too.
  it('no_log censors that task, not every later occurrence of its argument values', async () => {
    const r = await kplay('run', join(fixtures, 'no-log-args/site.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.events.some((e) => e.type === 'task_start' && e.name === 'etcd is a word'), r.stdout).to.equal(true);
  });
});
