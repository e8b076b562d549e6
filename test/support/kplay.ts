/** Runs the kplay CLI in-process and captures what it prints, for end-to-end tests. */
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
