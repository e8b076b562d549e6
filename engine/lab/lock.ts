/**
 * A machine-wide exclusive lock that the kernel releases when its holder dies: `flock(1)` holds
 * the lock while `cat` waits on a pipe from us. Releasing closes the pipe; if this process is
 * killed, the pipe closes all the same, so a crashed test run never leaves a stuck lock behind
 * (a pid-in-a-file lock cannot promise that).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabError } from './run.ts';

export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(path: string): Promise<Lock> {
  mkdirSync(dirname(path), { recursive: true });
  // flock runs `sh -c` with the lock held; the script announces it, then waits for our pipe to close.
  const child = spawn('flock', ['--exclusive', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('locked')) resolve();
    });
    child.on('error', (e) => reject(new LabError(`flock ${path}: ${e.message}`, { cause: e })));
    child.on('close', (rc) => reject(new LabError(`flock ${path} exited (rc ${rc}): ${stderr.trim()}`)));
  });
  let released = false;
  return {
    release: () => {
      if (released) return Promise.resolve();
      released = true;
      return new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.stdin.end();
      });
    },
  };
}

export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
