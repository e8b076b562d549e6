import { expect } from 'chai';
import type { RunEvent } from '../../../engine/report/events.ts';
import { JsonReporter } from '../../../engine/report/json.ts';
import { Capture } from './capture.ts';
import { playStart, result, stats, taskStart } from './events.fixture.ts';

function emit(events: RunEvent[]): Record<string, unknown>[] {
  const out = new Capture();
  const r = new JsonReporter(out);
  for (const e of events) r.on(e);
  expect(out.text.endsWith('\n')).to.equal(true);
  return out.text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('JsonReporter', () => {
  it('writes one parseable JSON object per event and line', () => {
    const events: RunEvent[] = [
      { type: 'run_start', playbooks: ['site.yml'], check: false, diff: true, time: 1 },
      playStart(),
      taskStart(),
      result(),
      { type: 'progress', host: 'web1', task: 'configure', message: '10%', time: 2 },
      { type: 'warning', message: 'careful\nreally', time: 3 },
      { type: 'recap', hosts: { web1: stats({ ok: 1 }) }, durationMs: 5, check: false, time: 4 },
    ];
    const parsed = emit(events);
    expect(parsed.map((p) => p.type)).to.deep.equal(['run_start', 'play_start', 'task_start', 'host_result', 'progress', 'warning', 'recap']);
    expect(parsed[6]).to.deep.equal({ type: 'recap', hosts: { web1: stats({ ok: 1 }) }, durationMs: 5, check: false, time: 4 });
    expect(parsed[3]).to.include({ host: 'web1', status: 'ok', durationMs: 12 });
  });

  it('includes diffs as {path, before, after, unified}', () => {
    const [line] = emit([
      result({
        status: 'changed',
        changes: [{ summary: 'content /etc/hosts', diff: { path: '/etc/hosts', before: 'a\nb\n', after: 'a\nc\n' } }],
      }),
    ]);
    const changes = line!.changes as { summary: string; diff: Record<string, string> }[];
    expect(changes[0]!.summary).to.equal('content /etc/hosts');
    expect(changes[0]!.diff).to.include({ path: '/etc/hosts', before: 'a\nb\n', after: 'a\nc\n' });
    expect(changes[0]!.diff.unified).to.equal('--- before: /etc/hosts\n+++ after: /etc/hosts\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
  });

  it('gives one-line values a real unified diff too', () => {
    const [line] = emit([result({ status: 'changed', changes: [{ summary: 'mode', diff: { before: '0644', after: '0600' } }] })]);
    const unified = (line!.changes as { diff: { unified: string } }[])[0]!.diff.unified;
    expect(unified).to.contain('-0644\n\\ No newline at end of file\n+0600');
  });

  it('drops the diff of sensitive changes and everything of censored results', () => {
    const [a, b] = emit([
      result({ status: 'changed', changes: [{ summary: 'key', sensitive: true, diff: { before: 'OLD', after: 'NEW' } }] }),
      result({ status: 'changed', censored: true, msg: 'SECRET', result: { x: 'SECRET' }, changes: [{ summary: 'SECRET' }] }),
    ]);
    expect(a!.changes).to.deep.equal([{ summary: 'key', sensitive: true }]);
    expect(JSON.stringify(b)).not.to.contain('SECRET');
    expect(b).to.include({ censored: true, status: 'changed' });
  });

  it('serialises awkward results (bigint, Buffer, cycles, undefined) without throwing', () => {
    const weird: Record<string, unknown> = { big: 10n, buf: Buffer.from('hi'), nothing: undefined, inf: Infinity, when: new Date(0) };
    weird.self = weird;
    const [line] = emit([result({ result: weird })]);
    expect(line!.result).to.deep.equal({ big: '10', buf: 'hi', inf: 'Infinity', when: '1970-01-01T00:00:00.000Z', self: '[Circular]' });
  });
});
