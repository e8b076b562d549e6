/**
 * Runs the machine-side tools a lab needs (ip, mount, debootstrap, ssh-keygen …) without a shell:
 * argv in, result out. Lab setup is root-only plumbing, so a failing tool is an exception here
 * (with the tool's stderr), not host data.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  rc: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Do not throw on a non-zero exit; the caller inspects rc. */
  allowFail?: boolean;
}

export class LabError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LabError';
  }
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new LabError('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new LabError(`${cmd}: ${e.message}`, { cause: e })));
    child.on('close', (rc) => {
      const res = { rc, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (rc !== 0 && !opts.allowFail) {
        reject(new LabError(`${argv.join(' ')} failed (rc ${rc}): ${res.stderr.trim() || res.stdout.trim()}`));
      } else resolve(res);
    });
    child.stdin.on('error', () => undefined); // the tool may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** Run several independent commands, at most `limit` at a time (ip and mount are cheap but not free). */
export async function runAll<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
