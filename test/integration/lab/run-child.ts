/** Runs child.ts in a fresh Node process and parses its JSON line. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface ChildResult<T> {
  value: T;
  signal: NodeJS.Signals | null;
}

export function runChild<T>(...args: string[]): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', 'tsx', script, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) return reject(new Error(`child.ts ${args.join(' ')}: ${err?.message ?? 'no result'}\n${stderr}`));
      resolve({ value: JSON.parse(line) as T, signal: child.signalCode });
    });
  });
}
