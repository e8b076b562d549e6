/**
 * Runs the kplay CLI in-process and captures what it prints, for end-to-end tests. It takes the
 * users' path: `kplay run` in this process, its SSH connections kept by the connection keeper
 * (started from the sources; the default ssh_persist is the same as the bundle's, docs/ssh.md).
 */
import { Writable } from 'node:stream';
import { dispatch } from '../../engine/cli.ts';

export interface KplayRun {
  code: number;
  stdout: string;
  stderr: string;
  /** --json output parsed line by line. */
  events: Record<string, unknown>[];
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function kplay(...argv: string[]): Promise<KplayRun> {
  const out = new Capture();
  const err = new Capture();
  const code = await dispatch(argv, { out, err });
  const events = argv.includes('--json')
    ? out.text.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  return { code, stdout: out.text, stderr: err.text, events };
}

/** The recap event's per-host stats from a --json run. */
export function recap(run: KplayRun): Record<string, Record<string, number>> {
  const e = run.events.find((x) => x.type === 'recap');
  if (!e) throw new Error(`no recap in output:\n${run.stdout}\n${run.stderr}`);
  return e.hosts as Record<string, Record<string, number>>;
}

/** Host results of a --json run that failed or were unreachable (empty when the run went through). */
export function failures(run: KplayRun): Record<string, unknown>[] {
  return run.events.filter((e) => e.type === 'host_result' && (e.status === 'failed' || e.status === 'unreachable'));
}

/** `HOST TASK ITEM` of every changed host result, sorted: compare a check run with the real run. */
export function changedTasks(run: KplayRun): string[] {
  const item = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return run.events
    .filter((e) => e.type === 'host_result' && e.status === 'changed')
    .map((e) => `${String(e.host)} ${String(e.task)} ${item(e.item)}`.trim())
    .sort();
}

/** One host result of a --json run, keyed `HOST TASK ITEM`. */
function results(run: KplayRun): Map<string, { status: string; msg?: string }> {
  const item = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const m = new Map<string, { status: string; msg?: string }>();
  for (const e of run.events) {
    if (e.type !== 'host_result') continue;
    const key = `${String(e.host)} ${String(e.task)} ${item(e.item)}`.trim();
    m.set(key, { status: String(e.status), ...(typeof e.msg === 'string' ? { msg: e.msg } : {}) });
  }
  return m;
}

/**
 * Where check mode did not predict the real run, per host, task and item: "would change" in check
 * must be "changed" in the real run (and back), and a failure of the real run must be reported in
 * check. Empty when check predicted every result.
 */
export function mispredictions(check: KplayRun, real: KplayRun): string[] {
  const c = results(check);
  const out: string[] = [];
  for (const [key, r] of results(real)) {
    const p = c.get(key);
    const predicted = p?.status ?? 'not run';
    if (r.status === 'failed' && predicted !== 'failed') out.push(`${key}: fails (${r.msg ?? ''}), check said ${predicted}`);
    else if ((r.status === 'changed') !== (predicted === 'changed')) out.push(`${key}: ${r.status}, check said ${predicted}${p?.msg ? ` (${p.msg})` : ''}`);
  }
  for (const [key, p] of c) {
    if (p.status === 'changed' && !results(real).has(key)) out.push(`${key}: check said changed, the real run did not run it`);
  }
  return out;
}
