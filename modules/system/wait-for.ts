/**
 * wait_for: wait until a TCP port (as seen from the host) answers or closes, or a path appears or
 * goes away. Never a change; runs in check mode too (waiting changes nothing).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Duplex } from 'node:stream';
import { defineModule, type ReadContext, type Plan } from '../api.ts';
import { runProbe } from '../facts/batch.ts';
import { fileContent } from '../facts/content.ts';
import { presence } from '../facts/command.ts';

const schema = Type.Object(
  {
    host: Type.Optional(Type.String({ description: 'Address to connect to, as the host resolves it.', default: '127.0.0.1' })),
    port: Type.Optional(Type.Integer({ description: 'TCP port; the connection starts on the host (an SSH channel), so 127.0.0.1 is the host itself.', minimum: 1, maximum: 65535 })),
    path: Type.Optional(Type.String({ description: 'A path on the host to wait for (or, with absent, to disappear).' })),
    search_regex: Type.Optional(Type.String({ description: "A regular expression the file's content (path) or the port's first bytes must match." })),
    state: Type.Optional(
      Type.Union([Type.Literal('started'), Type.Literal('stopped'), Type.Literal('present'), Type.Literal('absent')], {
        description: 'started/present: wait until the port answers or the path exists; stopped/absent: until it no longer does.',
        default: 'started',
      }),
    ),
    delay: Type.Optional(Type.Number({ description: 'Seconds to wait before the first check.', minimum: 0, default: 0 })),
    timeout: Type.Optional(Type.Number({ description: 'Seconds to wait in all before failing.', minimum: 0, default: 300 })),
    sleep: Type.Optional(Type.Number({ description: 'Seconds between checks.', minimum: 0, default: 1 })),
    connect_timeout: Type.Optional(Type.Number({ description: 'Seconds one connection attempt may take.', exclusiveMinimum: 0, default: 5 })),
    msg: Type.Optional(Type.String({ description: 'Message for the failure instead of the default.' })),
  },
  { additionalProperties: false },
);

export type WaitForArgs = Static<typeof schema>;

export interface WaitForState {
  ok: boolean;
  elapsed: number;
  what: string;
  match?: string[];
  /** Satisfied only by what an earlier task of this check run does. */
  after?: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: timed out`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))));
  });
}

/** Read from a stream until the regex matches, the stream ends, or the time is up. */
function readUntil(s: Duplex, re: RegExp, ms: number): Promise<RegExpExecArray | null> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (m: RegExpExecArray | null) => {
      clearTimeout(t);
      s.removeAllListeners('data');
      resolve(m);
    };
    const t = setTimeout(() => done(null), ms);
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const m = re.exec(buf);
      if (m) done(m);
    });
    s.once('end', () => done(re.exec(buf)));
    s.once('close', () => done(re.exec(buf)));
    s.once('error', () => done(null));
  });
}

/** One check: does the port answer (and match)? */
async function portAnswers(ctx: ReadContext, host: string, port: number, re: RegExp | undefined, connectMs: number): Promise<{ up: boolean; match?: string[] }> {
  let s: Duplex;
  try {
    s = await withTimeout(ctx.connectTcp(host, port), connectMs, `${host}:${port}`);
  } catch {
    return { up: false };
  }
  try {
    if (!re) return { up: true };
    const m = await readUntil(s, re, connectMs);
    return m ? { up: true, match: [...m] } : { up: false };
  } finally {
    s.destroy();
  }
}

async function pathMatches(ctx: ReadContext, path: string, re: RegExp | undefined): Promise<{ up: boolean; match?: string[] }> {
  const c = await runProbe(ctx, fileContent(path, 64 * 1024 * 1024));
  if (!c.exists) {
    // not a regular file: a directory or socket still "exists"
    if (re) return { up: false };
    return { up: (await runProbe(ctx, presence(path))).exists };
  }
  if (!re) return { up: true };
  const m = 'content' in c ? re.exec(c.content.toString('utf8')) : null;
  return m ? { up: true, match: [...m] } : { up: false };
}

export async function waitFor(ctx: ReadContext, a: WaitForArgs): Promise<WaitForState> {
  const start = Date.now();
  const state = a.state ?? 'started';
  const want = state === 'started' || state === 'present';
  const re = a.search_regex !== undefined ? new RegExp(a.search_regex, 'm') : undefined;
  const host = a.host ?? '127.0.0.1';
  const what = a.port !== undefined ? `${host}:${a.port}` : a.path !== undefined ? a.path : 'delay';
  await sleep((a.delay ?? 0) * 1000, ctx.signal);
  if (a.port === undefined && a.path === undefined) {
    await sleep((a.timeout ?? 0) * 1000 - (Date.now() - start), ctx.signal);
    return { ok: true, elapsed: Date.now() - start, what };
  }
  if (ctx.check && a.path !== undefined && !re) {
    // check mode: an earlier task of this run creates (or removes) the path, so waiting for it succeeds (presence's planned answer)
    const p = await runProbe(ctx, presence(a.path));
    if (p.plannedBy && p.exists === want) return { ok: true, elapsed: 0, what, after: p.plannedBy };
  }
  const deadline = start + (a.timeout ?? 300) * 1000;
  for (;;) {
    const r = a.port !== undefined ? await portAnswers(ctx, host, a.port, want ? re : undefined, (a.connect_timeout ?? 5) * 1000) : await pathMatches(ctx, a.path!, want ? re : undefined);
    if (r.up === want) return { ok: true, elapsed: Date.now() - start, what, ...(r.match ? { match: r.match } : {}) };
    if (Date.now() >= deadline || ctx.signal.aborted) return { ok: false, elapsed: Date.now() - start, what };
    await sleep(Math.min((a.sleep ?? 1) * 1000, Math.max(0, deadline - Date.now())), ctx.signal);
  }
}

export function planWaitFor(s: WaitForState, a: WaitForArgs): Plan {
  const result = { elapsed: Math.round(s.elapsed / 1000), ...(s.match ? { match_groups: s.match.slice(1), match_group_dict: {} } : {}), ...(s.after ? { after: s.after } : {}) };
  if (s.ok) return { changes: [], result };
  const state = a.state ?? 'started';
  return { changes: [], result, failed: a.msg ?? `Timeout when waiting for ${s.what} to be ${state}${a.search_regex ? ` (matching ${a.search_regex})` : ''}` };
}

export const wait_for = defineModule({
  name: 'wait_for',
  schema,
  doc: {
    short: 'Wait for a port or a path on the host',
    description:
      'Waits until a TCP port answers (or closes), optionally until it sends text matching search_regex, or until a path exists (with content matching) or is gone. The connection starts on the host through the SSH connection (no nc or curl needed there). Never reports a change and runs in check mode as well.',
    examples: `- wait_for: { port: 2379, timeout: 60 }
- wait_for: { path: /var/lib/kubelet/pki/kubelet.crt, state: present }`,
    notes: ['With no port and no path, it simply waits delay + timeout seconds.'],
  },
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    if (a.port !== undefined && a.path !== undefined) errs.push({ key: 'path', message: 'give only one of port and path' });
    if (a.search_regex !== undefined) {
      try {
        new RegExp(a.search_regex);
      } catch (e) {
        errs.push({ key: 'search_regex', message: (e as Error).message });
      }
    }
    return errs;
  },
  read: waitFor,
  plan: planWaitFor,
});
