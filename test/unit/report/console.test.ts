import { expect } from 'chai';
import { ConsoleReporter, type ConsoleReporterOptions } from '../../../engine/report/console.ts';
import type { RunEvent } from '../../../engine/report/events.ts';
import { Capture } from './capture.ts';
import { playStart, result, stats, taskStart } from './events.fixture.ts';

function render(events: RunEvent[], opts: Partial<ConsoleReporterOptions> = {}, out = new Capture()): string {
  const r = new ConsoleReporter({ out, color: false, verbosity: 0, diff: false, check: false, width: 40, ...opts });
  for (const e of events) r.on(e);
  return out.text;
}

const lines = (...l: string[]): string => l.map((x) => x + '\n').join('');
/** Banners are padded with stars to the width (40 in these tests). */
const banner = (title: string): string => `${title} ${'*'.repeat(40 - title.length - 1)}`;

describe('ConsoleReporter', () => {
  it('prints play and task banners padded with stars', () => {
    expect(render([playStart('site'), taskStart('install packages'), result({ task: 'install packages' })])).to.equal(
      lines('', banner('PLAY [site]'), '', banner('TASK [install packages]'), 'ok: [web1]'),
    );
  });

  it('names a play without a name after its hosts and a handler as RUNNING HANDLER', () => {
    const text = render([playStart('', ['a', 'b']), taskStart('restart', { handler: true })]);
    expect(text).to.contain(banner('PLAY [a,b]'));
    expect(text).to.contain('RUNNING HANDLER [restart] ***');
  });

  it('shows the task path with -vv only', () => {
    const task = taskStart('t', { loc: { file: 'site.yml', line: 4, col: 7 } });
    expect(render([task], { verbosity: 1 })).not.to.contain('task path');
    expect(render([task], { verbosity: 2 })).to.contain('task path: site.yml:4:7');
  });

  it('prints one line per status', () => {
    const text = render([
      taskStart(),
      result({ status: 'ok' }),
      result({ status: 'changed', host: 'web2' }),
      result({ status: 'skipped', host: 'web3', msg: 'conditional was false' }),
    ]);
    expect(text).to.equal(lines('', banner('TASK [configure]'), 'ok: [web1]', 'changed: [web2]', 'skipping: [web3]'));
  });

  it('shows why a task was skipped with -v', () => {
    expect(render([taskStart(), result({ status: 'skipped', msg: 'skipped in check mode' })], { verbosity: 1 })).to.contain(
      'skipping: [web1] => skipped in check mode\n',
    );
  });

  it('prints failures with FAILED! and the message, indenting further lines', () => {
    expect(render([taskStart(), result({ status: 'failed', msg: 'exit 1\nsee stderr' })])).to.contain(
      lines('fatal: [web1]: FAILED! => exit 1', '  see stderr'),
    );
  });

  it('prints ...ignoring after an ignored failure and its stderr', () => {
    const text = render([taskStart(), result({ status: 'failed', ignored: true, msg: 'non-zero return code', result: { rc: 1, stderr: 'nope\n' } })]);
    expect(text).to.contain(lines('fatal: [web1]: FAILED! => non-zero return code', '  stderr:', '    nope', '...ignoring'));
  });

  it('keeps only the last lines of long failure output without -v', () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    const text = render([taskStart(), result({ status: 'failed', msg: 'failed', result: { stderr } })]);
    expect(text).to.contain('… 10 earlier lines');
    expect(text).to.contain('    line 30\n');
    expect(text).not.to.contain('    line 10\n');
  });

  it('prints unreachable hosts', () => {
    expect(render([taskStart(), result({ status: 'unreachable', msg: 'connect ECONNREFUSED 127.0.0.1:22' })])).to.contain(
      'fatal: [web1]: UNREACHABLE! => connect ECONNREFUSED 127.0.0.1:22\n',
    );
  });

  it('labels loop items and delegation', () => {
    const text = render([
      taskStart(),
      result({ status: 'changed', item: 'nginx' }),
      result({ status: 'ok', item: 'curl', delegatedTo: 'lb1' }),
      result({ status: 'failed', item: 'nosuch', msg: 'no such package' }),
    ]);
    expect(text).to.contain(
      lines('changed: [web1] => (item=nginx)', 'ok: [web1 -> lb1] => (item=curl)', 'failed: [web1] (item=nosuch) => no such package'),
    );
  });

  it('keeps long or multi-line item labels on one line', () => {
    const text = render([taskStart(), result({ item: `{"a":\n"${'x'.repeat(300)}"}` })]);
    const line = text.split('\n').find((l) => l.startsWith('ok:'))!;
    expect(line).to.match(/^ok: \[web1\] => \(item=\{"a": "x+…\)$/);
    expect(line.length).to.be.lessThan(150);
  });

  it('prints one compact line per change with +, - or ~', () => {
    const text = render([
      taskStart(),
      result({
        status: 'changed',
        changes: [
          { summary: 'create /etc/kplay.conf' },
          { summary: 'mode 0644 → 0600' },
          { summary: 'remove /etc/old' },
          { summary: 'write /etc/new', diff: { path: '/etc/new', before: '', after: 'x\n' } },
          { summary: 'link /etc/z', after: 'write config' },
          { summary: 'private key /etc/k.pem', sensitive: true },
        ],
      }),
    ]);
    expect(text).to.contain(
      lines(
        'changed: [web1]',
        '  + create /etc/kplay.conf',
        '  ~ mode 0644 → 0600',
        '  - remove /etc/old',
        '  + write /etc/new',
        '  ~ link /etc/z (after: write config)',
        '  ~ private key /etc/k.pem (content hidden)',
      ),
    );
    expect(text).not.to.contain('---');
  });

  it('shows the changes of an ok result (changed_when: false) only with -v', () => {
    const r = result({ status: 'ok', module: 'command', changes: [{ summary: 'run: cat /etc/x' }] });
    expect(render([taskStart(), r])).not.to.contain('run: cat');
    expect(render([taskStart(), r], { verbosity: 1 })).to.contain('  ~ run: cat /etc/x\n');
  });

  it('renders unified diffs with --diff', () => {
    const change = { summary: 'content /etc/hosts', diff: { path: '/etc/hosts', before: 'a\nb\nc\n', after: 'a\nB\nc\n' } };
    const text = render([taskStart(), result({ status: 'changed', changes: [change] })], { diff: true });
    expect(text).to.contain(
      lines(
        '  ~ content /etc/hosts',
        '    --- before: /etc/hosts',
        '    +++ after: /etc/hosts',
        '    @@ -1,3 +1,3 @@',
        '     a',
        '    -b',
        '    +B',
        '     c',
      ),
    );
  });

  it('renders one-line diffs as before → after, once', () => {
    const text = render(
      [
        taskStart(),
        result({
          status: 'changed',
          changes: [
            { summary: 'net.ipv4.ip_forward', diff: { before: '0', after: '1' } },
            { summary: 'mode 0644 → 0600', diff: { path: '/etc/x', before: '0644', after: '0600' } },
          ],
        }),
      ],
      { diff: true },
    );
    expect(text).to.contain(lines('  ~ net.ipv4.ip_forward', '      0 → 1', '  ~ mode 0644 → 0600'));
    expect(text).not.to.contain('      0644 → 0600');
  });

  it('never renders the diff of a sensitive change', () => {
    const text = render(
      [taskStart(), result({ status: 'changed', changes: [{ summary: 'key', sensitive: true, diff: { before: 'OLDKEY\n', after: 'NEWKEY\n' } }] })],
      { diff: true },
    );
    expect(text).not.to.contain('KEY');
  });

  it('cuts very long diffs', () => {
    const after = Array.from({ length: 1000 }, (_, i) => `l${i}`).join('\n') + '\n';
    const text = render([taskStart(), result({ status: 'changed', changes: [{ summary: 'big', diff: { before: '', after } }] })], { diff: true });
    expect(text).to.match(/… \d+ more diff lines/);
    expect(text.split('\n').length).to.be.lessThan(450);
  });

  it('prints only the status and the no_log notice for censored results', () => {
    const text = render(
      [
        taskStart(),
        result({ status: 'changed', censored: true, msg: 'SECRET', changes: [{ summary: 'SECRET' }], result: { x: 'SECRET' } }),
        result({ status: 'failed', censored: true, msg: 'SECRET', result: { stderr: 'SECRET' } }),
        result({ status: 'ok', censored: true, item: '(censored due to no_log)' }),
      ],
      { verbosity: 3, diff: true },
    );
    expect(text).to.contain(
      lines('changed: [web1] => (the output has been hidden due to no_log: true)', 'fatal: [web1]: FAILED! => the output has been hidden due to no_log: true',
        'ok: [web1] => (the output has been hidden due to no_log: true)',
      ),
    );
    expect(text).not.to.contain('SECRET');
  });

  it('prints the registered result as YAML with -v', () => {
    const r = result({ status: 'changed', module: 'command', result: { rc: 0, stdout: 'hi', stdout_lines: ['hi'] } });
    expect(render([taskStart(), r])).not.to.contain('rc:');
    expect(render([taskStart(), r], { verbosity: 1 })).to.contain(lines('changed: [web1]', '    rc: 0', '    stdout: hi', '    stdout_lines:', '      - hi'));
  });

  it('always prints what debug says', () => {
    const text = render([taskStart('show', { module: 'debug' }), result({ task: 'show', module: 'debug', result: { msg: 'hello' } })]);
    expect(text).to.contain(lines('ok: [web1]', '    msg: hello'));
  });

  it('survives results that YAML cannot dump', () => {
    const cyclic: Record<string, unknown> = { a: 1n, f: () => 1 };
    cyclic.self = cyclic;
    expect(() => render([taskStart(), result({ result: cyclic })], { verbosity: 1 })).not.to.throw();
  });

  it('names the task again when results of another task arrive (free strategy)', () => {
    const text = render([taskStart('a'), result({ task: 'b' })]);
    expect(text).to.equal(lines('', banner('TASK [a]'), '', banner('TASK [b]'), 'ok: [web1]'));
  });

  it('prints warnings with their location', () => {
    expect(render([{ type: 'warning', message: 'old syntax\nuse the new one', loc: { file: 'p.yml', line: 2, col: 3 }, time: 0 }])).to.equal(
      lines('[WARNING]: p.yml:2:3: old syntax', '  use the new one'),
    );
  });

  it('aligns the recap and prints the total time', () => {
    const text = render([
      {
        type: 'recap',
        hosts: { web1: stats({ ok: 12, changed: 3 }), 'longer-host-name': stats({ ok: 2, failed: 1 }), db: stats({ unreachable: 1 }) },
        durationMs: 83_400,
        check: false,
        time: 0,
      },
    ]);
    expect(text).to.equal(
      lines(
        '',
        banner('PLAY RECAP'),
        'web1             : ok=12   changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0',
        'longer-host-name : ok=2    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0',
        'db               : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0',
        '',
        'Total time: 1m 23s',
      ),
    );
  });

  it('widens recap columns for large counts', () => {
    const text = render([{ type: 'recap', hosts: { a: stats({ ok: 123456 }), b: stats({ ok: 1 }) }, durationMs: 5, check: false, time: 0 }]);
    const [a, b] = text.split('\n').filter((l) => l.includes(' : '));
    expect(a!.indexOf('changed=')).to.equal(b!.indexOf('changed='));
  });

  it('says that check mode changed nothing, at the start and in the recap', () => {
    const text = render(
      [
        { type: 'run_start', playbooks: ['site.yml'], check: true, diff: false, time: 0 },
        { type: 'recap', hosts: { web1: stats({ ok: 1, changed: 1 }) }, durationMs: 10, check: true, time: 0 },
      ],
      { check: true },
    );
    expect(text).to.match(/^CHECK MODE: nothing will be changed/);
    expect(text).to.contain('CHECK MODE: nothing was changed');
  });

  it('colours only when asked to', () => {
    const events = [taskStart(), result({ status: 'changed', changes: [{ summary: 'x', diff: { before: 'a\nz\n', after: 'b\nz\n' } }] })];
    expect(render(events, { diff: true })).not.to.contain('\u001b[');
    const coloured = render(events, { diff: true, color: true });
    expect(coloured).to.contain('\u001b[33mchanged: [web1]\u001b[39m');
    expect(coloured).to.contain('\u001b[31m-a\u001b[39m');
    expect(coloured).to.contain('\u001b[32m+b\u001b[39m');
  });

  it('colours recap counts without breaking alignment', () => {
    const text = render([{ type: 'recap', hosts: { a: stats({ ok: 1 }), bb: stats({ failed: 2 }) }, durationMs: 5, check: false, time: 0 }], { color: true });
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
    const [a, b] = plain.split('\n').filter((l) => l.includes(' : '));
    expect(a!.indexOf('failed=')).to.equal(b!.indexOf('failed='));
  });

  describe('progress', () => {
    it('is ignored when the output is not a TTY', () => {
      expect(render([taskStart(), { type: 'progress', host: 'web1', task: 'configure', message: '10%', time: 0 }])).not.to.contain('10%');
    });

    it('is one updating line on a TTY, cleared before the next line', () => {
      const out = new Capture({ columns: 60 });
      const opts = { progressIntervalMs: 0 };
      const text = render(
        [
          taskStart(),
          { type: 'progress', host: 'web1', task: 'configure', message: '10%', time: 0 },
          { type: 'progress', host: 'web1', task: 'configure', message: '50%', time: 0 },
          result({ status: 'changed' }),
        ],
        opts,
        out,
      );
      expect(text).to.contain('\r\u001b[2K[web1] 10%\r\u001b[2K[web1] 50%\r\u001b[2Kchanged: [web1]\n');
    });

    it('is not redrawn for every event of a burst', () => {
      const out = new Capture({ columns: 60 });
      const burst = Array.from({ length: 50 }, (_, i): RunEvent => ({ type: 'progress', host: 'web1', task: 't', message: `${i}%`, time: 0 }));
      const text = render(burst, { progressIntervalMs: 60_000 }, out);
      expect(text).to.equal('\r\u001b[2K[web1] 0%');
    });

    it('does not come back after the recap (the CLI may exit without close())', () => {
      const out = new Capture({ columns: 60 });
      const text = render(
        [
          { type: 'progress', host: 'web1', task: 't', message: 'stuck', time: 0 },
          { type: 'recap', hosts: {}, durationMs: 1, check: false, time: 0 },
        ],
        {},
        out,
      );
      expect(text.endsWith('Total time: 1ms\n')).to.equal(true);
    });

    it('is cleared on close', async () => {
      const out = new Capture({ columns: 60 });
      const r = new ConsoleReporter({ out, color: false, verbosity: 0, diff: false, check: false });
      r.on({ type: 'progress', host: 'web1', task: 't', message: 'x'.repeat(200), time: 0 });
      await r.close();
      expect(out.text.endsWith('\r\u001b[2K')).to.equal(true);
      expect(out.text).to.contain('…');
    });
  });
});
