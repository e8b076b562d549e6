import { expect } from 'chai';
import type { RunEvent } from '../../../engine/report/events.ts';
import { ConsoleReporter } from '../../../engine/report/console.ts';
import { JsonReporter } from '../../../engine/report/json.ts';
import { CENSORED_ITEM, MASK, censor, createRedactor } from '../../../engine/report/redact.ts';
import { Capture } from './capture.ts';
import { result } from './events.fixture.ts';

const SECRET = 's3cr3t-P@ss';
const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBzZ1RkXw5Vx3sPz6nYQhFZ0tKqkYwJcXH8bJ9yq8iVhQAAAJgAAAAAAAAA',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');

function everything(e: unknown): string {
  return JSON.stringify(e);
}

describe('redactor', () => {
  it('masks a secret everywhere inside a host result', () => {
    const r = createRedactor([SECRET]);
    const e = result({
      status: 'changed',
      msg: `login with ${SECRET} failed`,
      item: `user:${SECRET}`,
      changes: [
        { summary: `password ${SECRET}`, diff: { path: `/etc/${SECRET}`, before: `pw=old\n`, after: `pw=${SECRET}\n` } },
      ],
      result: { nested: [[{ deep: [`x${SECRET}y`] }]], [`key-${SECRET}`]: 1, stdout_lines: ['a', SECRET] },
    });
    const out = r.event(e);
    expect(everything(out)).not.to.contain(SECRET);
    expect(out.msg).to.equal(`login with ${MASK} failed`);
    expect(out.item).to.equal(`user:${MASK}`);
    expect(out.changes[0]!.diff).to.deep.equal({ path: `/etc/${MASK}`, before: 'pw=old\n', after: `pw=${MASK}\n` });
    expect(out.result).to.deep.equal({ nested: [[{ deep: [`x${MASK}y`] }]], [`key-${MASK}`]: 1, stdout_lines: ['a', MASK] });
  });

  it('does not modify the event it was given (results stay usable for later tasks)', () => {
    const r = createRedactor([SECRET]);
    const e = result({ msg: SECRET, result: { a: [SECRET] } });
    const copy = structuredClone(e);
    r.event(e);
    expect(e).to.deep.equal(copy);
  });

  it('returns the same object when nothing matched', () => {
    const r = createRedactor([SECRET]);
    const e = result({ result: { a: [1, 'plain'] } });
    expect(r.event(e)).to.equal(e);
    expect(createRedactor().event(e)).to.equal(e);
  });

  it('masks the JSON-escaped, base64, URL-encoded and shell-quoted forms', () => {
    const tricky = `a"b\\c'd\ne`;
    const r = createRedactor([tricky]);
    expect(r.text(JSON.stringify({ pw: tricky }))).to.equal(`{"pw":"${MASK}"}`);
    expect(r.text(`data: ${Buffer.from(tricky).toString('base64')}`)).to.equal(`data: ${MASK}`);
    expect(r.text(`?pw=${encodeURIComponent(tricky)}`)).to.equal(`?pw=${MASK}`);
    expect(r.text(`echo '${tricky.replaceAll("'", `'\\''`)}'`)).to.equal(`echo '${MASK}'`);
  });

  it('masks the lines of a private key, even when a diff splits it', () => {
    const r = createRedactor([KEY]);
    const unified = KEY.split('\n').map((l) => `+${l}`).join('\n');
    const masked = r.text(unified);
    expect(masked).not.to.contain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    expect(masked).not.to.contain('QyNTUxOQAAACBzZ1RkXw5Vx3');
    expect(masked).to.contain('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(r.text(KEY.replace(/\n/g, '\r\n'))).to.equal(MASK);
  });

  it('prefers the longest secret when one contains another', () => {
    const r = createRedactor(['abcd', 'abcdefgh']);
    expect(r.text('xabcdefghx abcd')).to.equal(`x${MASK}x ${MASK}`);
  });

  it('ignores secrets shorter than 4 characters', () => {
    const r = createRedactor(['yes', '', 'on']);
    expect(r.size).to.equal(0);
    expect(r.text('yes on')).to.equal('yes on');
  });

  it('escapes regular expression characters in secrets', () => {
    const r = createRedactor(['a.b*c(d)', '$^[x]|']);
    expect(r.text('aXb*c(d) a.b*c(d) $^[x]|')).to.equal(`aXb*c(d) ${MASK} ${MASK}`);
  });

  it('accepts numbers, Buffers and structured secrets (every leaf is secret)', () => {
    const r = createRedactor();
    r.add(12345678);
    r.add(Buffer.from('bufsecret'));
    r.add({ user: 'admin-user', tokens: ['tok-1111', { inner: 'tok-2222' }] });
    expect(r.text('12345678 bufsecret admin-user tok-1111 tok-2222')).to.equal([MASK, MASK, MASK, MASK, MASK].join(' '));
  });

  it('handles cycles, Maps, Sets, Buffers and Errors in results', () => {
    const r = createRedactor([SECRET]);
    const cyclic: Record<string, unknown> = { s: SECRET };
    cyclic.self = cyclic;
    const out = r.value({
      cyclic,
      map: new Map([[SECRET, SECRET]]),
      set: new Set([SECRET]),
      buf: Buffer.from(`x${SECRET}`),
      err: new Error(`bad ${SECRET}`),
    });
    expect(out.cyclic.s).to.equal(MASK);
    expect([...out.map.entries()]).to.deep.equal([[MASK, MASK]]);
    expect([...out.set]).to.deep.equal([MASK]);
    expect(out.buf.toString()).to.equal(`x${MASK}`);
    expect(out.err.message).to.equal(`bad ${MASK}`);
  });

  it('picks up secrets added later', () => {
    const r = createRedactor();
    expect(r.text(SECRET)).to.equal(SECRET);
    r.add(SECRET);
    expect(r.text(SECRET)).to.equal(MASK);
  });

  it('masks warnings, task names and recap host names too', () => {
    const r = createRedactor([SECRET]);
    const events: RunEvent[] = [
      { type: 'warning', message: `bad ${SECRET}`, time: 0 },
      { type: 'task_start', name: `set ${SECRET}`, module: 'command', handler: false, hosts: [], time: 0 },
      { type: 'progress', host: 'h', task: 't', message: SECRET, time: 0 },
    ];
    for (const e of events) expect(everything(r.event(e))).not.to.contain(SECRET);
  });

  it('keeps secrets out of both reporters end to end', () => {
    const r = createRedactor([SECRET, KEY]);
    const e = r.event(
      result({
        status: 'failed',
        msg: `ssh: ${SECRET}`,
        changes: [{ summary: 'write key', diff: { path: '/root/.ssh/id', before: '', after: KEY } }],
        result: { stderr: SECRET },
      }),
    );
    const c = new Capture();
    new ConsoleReporter({ out: c, color: false, verbosity: 4, diff: true, check: false }).on(e);
    const j = new Capture();
    new JsonReporter(j).on(e);
    for (const text of [c.text, j.text]) {
      expect(text).not.to.contain(SECRET);
      expect(text).not.to.contain('QyNTUxOQAAACBzZ1RkXw5Vx3');
    }
  });
});

describe('censor', () => {
  it('keeps the status and drops result, changes, message and the item label', () => {
    const e = censor(
      result({
        status: 'changed',
        msg: 'm',
        item: 'alice',
        delegatedTo: 'lb',
        ignored: false,
        changes: [{ summary: 'password for alice', diff: { before: 'a', after: 'b' } }],
        result: { x: 1 },
      }),
    );
    expect(e).to.deep.equal({
      type: 'host_result',
      host: 'web1',
      task: 'configure',
      module: 'copy',
      status: 'changed',
      changes: [],
      censored: true,
      durationMs: 12,
      time: 1_700_000_000_000,
      ignored: false,
      item: CENSORED_ITEM,
      delegatedTo: 'lb',
    });
  });

  it('leaves other events alone', () => {
    const w: RunEvent = { type: 'warning', message: 'x', time: 0 };
    expect(censor(w)).to.equal(w);
  });
});
