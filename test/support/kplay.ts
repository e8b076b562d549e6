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
