/**
 * Executor semantics end to end, through the CLI, on several local hosts (ansible_connection=local)
 * with different variables: precedence, argument_specs, blocks, handlers, tags, serial, free,
 * run_once + delegate_to, no_log.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { dispatch } from '../../../engine/cli.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay, recap } from '../../support/kplay.ts';

const fx = (f: string) => join(import.meta.dirname, '../../fixtures/executor', f);
const inv = fx('hosts.ini');

function outDir(): string {
  return mkdtempSync(join(tmpdir(), 'kplay-exec-'));
}

describe('executor (local hosts)', () => {
  it('role defaults lose to inventory vars; role vars win over them', async () => {
    const out = outDir();
    const r = await kplay('run', fx('precedence.yml'), '-i', inv, '-e', `out=${out}`, '--json');
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    // port: group var 8080 beats the role default 80; color: host var; h3 falls back to the default
    expect(readFileSync(join(out, 'h1.role'), 'utf8')).to.equal('port=8080 color=red greeting=from-role-vars replicas=1\n');
    expect(readFileSync(join(out, 'h3.role'), 'utf8')).to.equal('port=8080 color=grey greeting=from-role-vars replicas=1\n');
  });

  it('argument_specs reject a wrong type before anything runs', async () => {
    const r = await kplay('run', fx('bad-argspec.yml'), '-i', inv);
    expect(r.code).to.equal(4);
    expect(r.stderr).to.match(/bad-argspec\.yml:\d+:\d+: .*replicas/);
    expect(r.stdout).not.to.match(/TASK/);
  });

  it('rescue runs after a failure, always runs in every case, handlers notified in a block run once', async () => {
    const out = outDir();
    const r = await kplay('run', fx('blocks.yml'), '-i', inv, '-e', `out=${out}`, '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(readFileSync(join(out, 'h1.rescued'), 'utf8')).to.equal('fails on h1 only');
    expect(existsSync(join(out, 'h1.after'))).to.equal(false);
    expect(existsSync(join(out, 'h2.rescued'))).to.equal(false);
    for (const h of ['h1', 'h2', 'h3']) expect(existsSync(join(out, `${h}.always`)), h).to.equal(true);
    expect(readFileSync(join(out, 'h2.handler'), 'utf8')).to.equal('run\n');
    expect(recap(r).h1!.rescued).to.equal(1);
    expect(recap(r).h1!.failed).to.equal(0);
  });

  it('Ctrl-C during a task: the task finishes on every host, no task, handler or play starts after it, exit 99', async () => {
    const out = outDir();
    let interrupt = () => {};
    const events = new Writable({
      write(chunk: Buffer, _enc, cb) {
        // the first task has started on its hosts: Ctrl-C
        if (/"type":"task_start"/.test(chunk.toString())) interrupt();
        cb();
      },
    });
    const code = await dispatch(['run', fx('interrupt.yml'), '-i', inv, '-e', `out=${out}`, '--json'], {
      out: events,
      err: new Writable({ write: (_c, _e, cb) => cb() }),
      onInterrupt: (fn) => ((interrupt = fn), () => {}),
    });
    expect(code).to.equal(99);
    expect(readdirSync(out)).to.deep.equal([]);
  });

  it('every handler listening to a notified topic runs, in definition order, also beside one named like the topic', async () => {
    const out = outDir();
    const r = await kplay('run', fx('listen.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(readFileSync(join(out, 'order'), 'utf8')).to.equal('before\nrestart\nafter\nfollow-up\n');
  });

  it('templated retries and delay are rendered per host (they were the loader\'s defaults: 3 tries, 5 s)', async () => {
    const r = await kplay('run', fx('templated-retries.yml'), '-i', inv, '--json');
    expect(r.code).to.equal(2);
    const retrying = r.events.filter((e) => e.type === 'warning' && String(e.message).startsWith('FAILED - RETRYING'));
    expect(retrying).to.have.length(2);
    const failed = r.events.find((e) => e.type === 'host_result' && e.status === 'failed');
    expect(String(failed?.msg)).to.match(/after 3 attempts/);
  });

  it('tags select exactly the expected tasks', async () => {
    const names = async (...args: string[]) => {
      const r = await kplay('run', fx('tags.yml'), '-i', inv, '--json', ...args);
      expect(r.code, r.stderr).to.equal(0);
      return r.events.filter((e) => e.type === 'task_start').map((e) => e.name);
    };
    expect(await names()).to.deep.equal(['t-untagged', 't-a', 't-b', 't-always', 't-in-block']);
    expect(await names('-t', 'a')).to.deep.equal(['t-a', 't-always']);
    expect(await names('-t', 'debug')).to.deep.equal(['t-always', 't-never']);
    expect(await names('--skip-tags', 'a,blk')).to.deep.equal(['t-untagged', 't-b', 't-always']);
    expect(await names('-t', 'untagged')).to.deep.equal(['t-untagged', 't-always']);
    expect(await names('-t', 'tagged', '--skip-tags', 'always')).to.deep.equal(['t-a', 't-b', 't-in-block']);
  });

  it('serial batches run in order; a failing batch over max_fail_percentage stops the play', async () => {
    const out = outDir();
    const r = await kplay('run', fx('serial.yml'), '-i', inv, '-e', `out=${out}`, '--json');
    expect(r.code).to.equal(2);
    // batch 1 = h1,h2 (both fail: 100% > 40%), so h3 and h4 never start
    expect(readFileSync(join(out, 'order'), 'utf8').split('\n').filter(Boolean).sort()).to.deep.equal(['h1', 'h2']);
    expect(r.events.some((e) => e.type === 'warning' && /max_fail_percentage/.test(String(e.message)))).to.equal(true);
  });

  it('the free strategy lets a fast host finish while a slow host is still on its first task', async () => {
    const out = outDir();
    const r = await kplay('run', fx('free.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    // h1's first task waits until h2 has run all three: only possible if h2 did not wait for h1
    expect(readFileSync(join(out, 'first'), 'utf8')).to.equal('h2\nh1\n');
  });

  it('run_once with delegate_to runs exactly once and every host sees the result', async () => {
    const out = outDir();
    const r = await kplay('run', fx('run-once.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(readFileSync(join(out, 'once'), 'utf8')).to.equal('h1\n');
    for (const h of ['h1', 'h2', 'h3']) expect(readFileSync(join(out, `${h}.seen`), 'utf8')).to.equal('0');
  });

  it('in check mode, a condition on a skipped command\'s result is "unknown", not a failure', async () => {
    const out = outDir();
    const r = await kplay('run', fx('check-unknown.yml'), '-i', inv, '-e', `out=${out}`, '--check', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const dep = r.events.find((e) => e.type === 'host_result' && e.task === 'depends on its output')!;
    expect(dep.status).to.equal('skipped');
    expect(String(dep.msg)).to.match(/unknown in check mode: 'greeting'/);
    const real = await kplay('run', fx('check-unknown.yml'), '-i', inv, '-e', `out=${out}`);
    expect(real.code).to.equal(0);
    expect(readFileSync(join(out, 'greeting'), 'utf8')).to.equal('hello');
  });

  it('include_vars, stat and pause', async () => {
    const out = outDir();
    const r = await kplay('run', fx('core-modules.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(join(out, 'summary'), 'utf8')).to.equal('42 v true false');
  });

  it('order, throttle, environment, meta: end_host, --start-at-task', async () => {
    const out = outDir();
    const r = await kplay('run', fx('keywords.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(join(out, 'order'), 'utf8')).to.equal('h3\nh2\nh1\n');
    expect(readFileSync(join(out, 'h1.env'), 'utf8')).to.equal('from-play from-task\n');
    expect(existsSync(join(out, 'h2.last'))).to.equal(false);
    expect(existsSync(join(out, 'h3.last'))).to.equal(true);
    const later = outDir();
    const s = await kplay('run', fx('keywords.yml'), '-i', inv, '-e', `out=${later}`, '--start-at-task', 'last', '--json');
    expect(s.code).to.equal(0);
    expect(s.events.filter((e) => e.type === 'task_start').map((e) => e.name)).to.deep.equal(['last']);
  });

  it('include_tasks with a loop and include_role (when, tasks_from, vars) run at run time', async () => {
    const out = outDir();
    const r = await kplay('run', fx('includes.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    for (const h of ['h1', 'h2']) for (const n of ['a', 'b']) expect(readFileSync(join(out, `inc-${h}-${n}`), 'utf8')).to.equal(n);
    expect(readFileSync(join(out, 'h1.dyn'), 'utf8')).to.equal('from-dyn-defaults');
    expect(existsSync(join(out, 'h2.dyn'))).to.equal(false);
    expect(readFileSync(join(out, 'h2.dyn-other'), 'utf8')).to.equal('overridden');
  });

  it('an argument that is wrong only after templating fails the task, located at the argument', async () => {
    const r = await kplay('run', fx('bad-arg-at-runtime.yml'), '--json');
    expect(r.code).to.equal(2);
    const failed = r.events.find((e) => e.type === 'host_result' && e.status === 'failed')!;
    expect(String(failed.msg)).to.match(/bad-arg-at-runtime\.yml:9:9: 'recurse' must be boolean, got string 'maybe'/);
  });

  it('run_once with a loop gives every host the facts of its items', async () => {
    const out = outDir();
    const r = await kplay('run', fx('run-once-loop-facts.yml'), '-i', inv, '-e', `out=${out}`);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    for (const h of ['h1', 'h2', 'h3']) expect(readFileSync(join(out, `${h}.picked`), 'utf8')).to.equal('ab');
  });

  it('delegate_facts gives the facts to the delegate', async () => {
    const out = outDir();
    const r = await kplay('run', fx('delegate-facts.yml'), '-i', inv, '-e', `out=${out}`, '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(join(out, 'h4.marker'), 'utf8')).to.equal('from-h1');
    expect(Object.keys(recap(r))).to.deep.equal(['h1', 'h4']);
  });

  it('no_log values appear nowhere in console, -vvv or --json output', async () => {
    const out = outDir();
    const secret = 's3cr3t-Token-value-42';
    for (const flags of [['--json'], ['-vvv', '--diff'], ['--diff', '--json']]) {
      const r = await kplay('run', fx('nolog.yml'), '-i', inv, '-e', `out=${out}`, ...flags);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout + r.stderr).not.to.include(secret);
    }
    expect(readFileSync(join(out, 'token'), 'utf8')).to.equal(secret);
  });
});
