/**
 * Many small probes in one round trip: each probe is a shell snippet; they run in one `sh` script
 * whose output is cut into sections by markers carrying a random nonce (so no file content can
 * forge a marker). Each section keeps its own exit code.
 *
 * Each probe is the body of a shell function, called with stdin from /dev/null and stderr dropped.
 * A subshell per probe would cost the host a fork each (~0.4 ms of CPU, dozens per host and task
 * list), so only a probe that could change or leave the batch's shell (exit, cd, traps, exported
 * variables …) gets one; the rest run in the batch's shell and end early with `return`.
 */
import { randomBytes } from 'node:crypto';
import { defineQuery, type Probe, type ProbeOutput, type QueryRunner } from './read-only.ts';

export type { Probe, ProbeOutput } from './read-only.ts';

export type ProbeResults<P> = { [K in keyof P]: P[K] extends Probe<infer T> ? T : never };

/**
 * Words that leave the shell or change it for whatever runs after (directory, options, traps,
 * environment, positional parameters, aliases, `${x:?}`'s exit), and assignments to upper-case
 * (environment-like) names. Over-matching (a path that contains `/set/`) only costs a fork.
 */
const SHELL_CHANGING = /\b(?:exit|exec|cd|pushd|popd|set|shopt|trap|umask|ulimit|export|unset|readonly|alias|shift|eval|source|getopts|hash|enable|builtin)\b|(?:^|[\s;&|(){}])\.\s|:\?|\b[A-Z_][A-Z0-9_]*\+?=/;

export function needsSubshell(script: string): boolean {
  return SHELL_CHANGING.test(script);
}

export interface BatchEntry {
  script: string;
  subshell?: boolean;
}

/** One probe: the function (so `return` works either way), then its call, in a subshell only if it needs one. */
function framed(e: BatchEntry, i: number, nonce: string): string {
  const body = e.script.trim() === '' ? ':' : e.script;
  const call = e.subshell || needsSubshell(body) ? '( kplay_probe )' : 'kplay_probe';
  return `printf '%s\\n' 'KPLAY-${nonce}-BEGIN-${i}'\nkplay_probe() {\n${body}\n}\n${call} </dev/null 2>/dev/null\nprintf '\\n%s %s\\n' 'KPLAY-${nonce}-END-${i}' "$?"`;
}

/**
 * The parsers read English, untranslated output (`stat -c %F` says "regular file" in the C locale
 * only, `systemctl` and `date` translate too): the batch runs in the C locale. It is its own shell
 * (a subshell of the resident shell, or a channel's sh), so the setting ends with it.
 */
const C_LOCALE = 'LC_ALL=C; export LC_ALL';

export function batchScript(entries: readonly (string | BatchEntry)[], nonce: string): string {
  return [C_LOCALE, ...entries.map((e, i) => framed(typeof e === 'string' ? { script: e } : e, i, nonce))].join('\n');
}

/** Cut a batch's stdout back into one output per probe. Throws when a section is missing (the script broke). */
export function splitBatch(stdout: string, count: number, nonce: string): ProbeOutput[] {
  const outs: ProbeOutput[] = [];
  let from = 0;
  for (let i = 0; i < count; i++) {
    const begin = `KPLAY-${nonce}-BEGIN-${i}\n`;
    const b = stdout.indexOf(begin, from);
    if (b < 0) throw new Error(`probe ${i}: output section missing`);
    // indexOf, not a RegExp per probe: compiling one per probe and host showed in the profile
    const endMark = `\nKPLAY-${nonce}-END-${i} `;
    const e = stdout.indexOf(endMark, b + begin.length - 1);
    const nl = e < 0 ? -1 : stdout.indexOf('\n', e + endMark.length);
    const rc = nl < 0 ? '' : stdout.slice(e + endMark.length, nl);
    if (!/^\d+$/.test(rc)) throw new Error(`probe ${i}: end marker missing`);
    outs.push({ rc: Number(rc), out: stdout.slice(b + begin.length, e) });
    from = nl + 1;
  }
  return outs;
}

/** Run named probes in one round trip. */
export async function runProbes<P extends Record<string, Probe<unknown>>>(ctx: QueryRunner, probes: P): Promise<ProbeResults<P>> {
  const keys = Object.keys(probes);
  if (keys.length === 0) return {} as ProbeResults<P>;
  const nonce = randomBytes(8).toString('hex');
  // reviewed probes, framed by batchScript: the batch is as read-only as its parts
  const r = await ctx.query(defineQuery(`probes ${keys.join(', ')}`, { cmd: batchScript(keys.map((k) => probes[k]!), nonce) }));
  let outs: ProbeOutput[];
  try {
    outs = splitBatch(r.stdout, keys.length, nonce);
  } catch (e) {
    throw new Error(`probe failed (exit ${r.rc}): ${(r.stderr || (e as Error).message).trim()}`, { cause: e });
  }
  const res: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    const p = probes[k]!;
    const found = p.parse(outs[i]!);
    res[k] = p.planned && ctx.planned ? p.planned(found, ctx.planned) : found;
  });
  return res as ProbeResults<P>;
}

/** Run one probe. */
export async function runProbe<T>(ctx: QueryRunner, probe: Probe<T>): Promise<T> {
  return (await runProbes(ctx, { p: probe })).p;
}
