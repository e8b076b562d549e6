/**
 * Many small probes in one round trip: each probe is a shell snippet; they run in one `sh` script
 * whose output is cut into sections by markers carrying a random nonce (so no file content can
 * forge a marker). Each section keeps its own exit code.
 */
import { randomBytes } from 'node:crypto';
import type { ExecResult } from '../../engine/transport/transport.ts';

export interface ProbeOutput {
  rc: number;
  out: string;
}

/** A read-only probe: a shell snippet and a pure parser of its output. */
export interface Probe<T> {
  script: string;
  parse(o: ProbeOutput): T;
}

export type ProbeResults<P> = { [K in keyof P]: P[K] extends Probe<infer T> ? T : never };

export interface Executor {
  exec(cmd: string): Promise<ExecResult>;
}

export function batchScript(scripts: readonly string[], nonce: string): string {
  return scripts
    .map((s, i) => `printf '%s\\n' 'KPLAY-${nonce}-BEGIN-${i}'\n( ${s}\n) </dev/null 2>/dev/null\nprintf '\\n%s %s\\n' 'KPLAY-${nonce}-END-${i}' "$?"`)
    .join('\n');
}

/** Cut a batch's stdout back into one output per probe. Throws when a section is missing (the script broke). */
export function splitBatch(stdout: string, count: number, nonce: string): ProbeOutput[] {
  const outs: ProbeOutput[] = [];
  let from = 0;
  for (let i = 0; i < count; i++) {
    const begin = `KPLAY-${nonce}-BEGIN-${i}\n`;
    const b = stdout.indexOf(begin, from);
    if (b < 0) throw new Error(`probe ${i}: output section missing`);
    const endRe = new RegExp(`\\nKPLAY-${nonce}-END-${i} (\\d+)\\n`, 'g');
    endRe.lastIndex = b + begin.length - 1;
    const m = endRe.exec(stdout);
    if (!m) throw new Error(`probe ${i}: end marker missing`);
    outs.push({ rc: Number(m[1]), out: stdout.slice(b + begin.length, m.index) });
    from = m.index + m[0].length;
  }
  return outs;
}

/** Run named probes in one round trip. */
export async function runProbes<P extends Record<string, Probe<unknown>>>(ctx: Executor, probes: P): Promise<ProbeResults<P>> {
  const keys = Object.keys(probes);
  if (keys.length === 0) return {} as ProbeResults<P>;
  const nonce = randomBytes(8).toString('hex');
  const r = await ctx.exec(batchScript(keys.map((k) => probes[k]!.script), nonce));
  let outs: ProbeOutput[];
  try {
    outs = splitBatch(r.stdout, keys.length, nonce);
  } catch (e) {
    throw new Error(`probe failed (exit ${r.rc}): ${(r.stderr || (e as Error).message).trim()}`, { cause: e });
  }
  const res: Record<string, unknown> = {};
  keys.forEach((k, i) => (res[k] = probes[k]!.parse(outs[i]!)));
  return res as ProbeResults<P>;
}

/** Run one probe. */
export async function runProbe<T>(ctx: Executor, probe: Probe<T>): Promise<T> {
  return (await runProbes(ctx, { p: probe })).p;
}
