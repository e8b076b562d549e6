/**
 * Output hygiene (issue 18): a host that prints terminal escape sequences cannot retitle or clear
 * the operator's terminal: every place host text reaches the console shows them escaped; the JSON
 * stream keeps the characters as JSON escapes.
 */
import { expect } from 'chai';
import { ConsoleReporter } from '../../../engine/report/console.ts';
import { JsonReporter } from '../../../engine/report/json.ts';
import { escapeControl } from '../../../engine/report/escape.ts';
import type { RunEvent } from '../../../engine/report/events.ts';
import { Capture } from './capture.ts';
import { result, taskStart } from './events.fixture.ts';

const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J';

function consoleText(events: RunEvent[], opts: { verbosity?: number; diff?: boolean } = {}): string {
  const out = new Capture();
  const r = new ConsoleReporter({ out, color: false, verbosity: opts.verbosity ?? 0, diff: opts.diff ?? false, check: false, width: 40 });
  for (const e of events) r.on(e);
  return out.text;
}

describe('report/escape: control characters from hosts', () => {
  it('escapes C0/C1, DEL and bidi overrides; keeps newlines and tabs', () => {
    expect(escapeControl(HOSTILE)).to.equal(SHOWN);
    expect(escapeControl('a\r\nb\tc\u009bd\u007f\u202e')).to.equal('a\\r\nb\tc\\x9bd\\x7f\\u202e');
    const clean = 'plain text\n\twith tabs';
    expect(escapeControl(clean)).to.equal(clean);
  });

  it('a failed task: its stderr, stdout and message are shown escaped', () => {
    const text = consoleText([
      taskStart(),
      result({ status: 'failed', msg: `non-zero return code ${HOSTILE}`, result: { rc: 1, stderr: `oops ${HOSTILE}\nfake line\rok: [web1]` } }),
    ]);
    expect(text).not.to.include('\u001b');
    expect(text).not.to.include('\u0007');
    expect(text).not.to.include('\r');
    expect(text).to.include(SHOWN);
    expect(text).to.include('fake line\\rok: [web1]');
  });

  it('debug, -v results, diffs, warnings, item labels, progress and names are escaped too', () => {
    const events: RunEvent[] = [
      taskStart(`t ${HOSTILE}`),
      result({ module: 'debug', result: { msg: HOSTILE } }),
      result({ status: 'changed', item: HOSTILE, changes: [{ summary: `write ${HOSTILE}`, diff: { before: 'a\n', after: `${HOSTILE}\n` } }], result: { stdout: HOSTILE } }),
      { type: 'warning', message: HOSTILE, time: 0 },
      { type: 'progress', host: 'web1', task: 't', message: HOSTILE, time: 0 },
    ];
    const text = consoleText(events, { verbosity: 1, diff: true });
    expect(text).not.to.include('\u001b');
    expect(text).not.to.include('\u0007');
    expect(text.split(SHOWN).length - 1).to.be.greaterThan(5);
  });

  it('the JSON stream keeps the characters, JSON-escaped', () => {
    const out = new Capture();
    const r = new JsonReporter(out);
    r.on(result({ status: 'failed', result: { stderr: HOSTILE } }));
    expect(out.text).not.to.include('\u001b');
    const parsed = JSON.parse(out.text.trim()) as { result: { stderr: string } };
    expect(parsed.result.stderr).to.equal(HOSTILE);
  });
});
