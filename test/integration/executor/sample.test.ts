/**
 * The core acceptance path on localhost: the sample playbook (inventory vars, facts, templates,
 * conditions, loops, handlers, no_log) — check mode writes nothing and predicts the changes; the
 * first run makes them; the second run changes nothing.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay, recap } from '../../support/kplay.ts';

const sample = join(import.meta.dirname, '../../../playbooks/sample.yml');

function changedTasks(events: Record<string, unknown>[]): string[] {
  return events.filter((e) => e.type === 'host_result' && e.status === 'changed').map((e) => `${String(e.task)}${e.item ? `[${String(e.item)}]` : ''}`);
}

describe('sample playbook on localhost', () => {
  const root = join(mkdtempSync(join(tmpdir(), 'kplay-sample-')), 'root');
  let planned: string[] = [];

  it('--check --diff on a fresh target writes nothing and shows the changes with diffs', async () => {
    const r = await kplay('run', sample, '-e', `sample_root=${root}`, '--check', '--diff', '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(existsSync(root)).to.equal(false);
    planned = changedTasks(r.events);
    expect(planned).to.include('A rendered configuration');
    const conf = r.events.find((e) => e.type === 'host_result' && e.task === 'A rendered configuration') as { changes: { diff?: { after: string } }[] };
    expect(conf.changes[0]!.diff!.after).to.match(/\[service\.etcd\]\nport = 2379/);
    expect(JSON.stringify(r.events)).not.to.include('not-a-real-token-5f1c');
  });

  it('the first run makes exactly the planned changes', async () => {
    const r = await kplay('run', sample, '-e', `sample_root=${root}`, '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(changedTasks(r.events)).to.deep.equal(planned);
    expect(readFileSync(join(root, 'etc/sample.conf'), 'utf8')).to.match(/^host = /m);
    expect(readFileSync(join(root, 'data/token'), 'utf8')).to.equal('not-a-real-token-5f1c');
    expect(r.events.some((e) => e.type === 'task_start' && e.handler === true)).to.equal(true);
  });

  it('the second run reports changed=0 in the recap and in --json', async () => {
    const r = await kplay('run', sample, '-e', `sample_root=${root}`, '--json');
    expect(r.code, r.stderr).to.equal(0);
    expect(recap(r).localhost!.changed).to.equal(0);
    expect(changedTasks(r.events)).to.deep.equal([]);
    const c = await kplay('run', sample, '-e', `sample_root=${root}`);
    expect(c.stdout).to.match(/localhost\s*:\s*ok=\d+\s+changed=0/);
  });
});
