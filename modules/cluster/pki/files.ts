/**
 * Controller-side PKI files: atomic writes (temp + rename, mode set at creation, so a key is never
 * readable by others even for a moment) and an in-process lock per path, so hosts running the same
 * task in parallel create a CA or a certificate once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, content: string | Buffer, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${basename(path)}.kplay-${randomBytes(6).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(content);
      await fh.chmod(mode); // the umask may have narrowed or the file system widened it
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The file's content, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const locks = new Map<string, Promise<unknown>>();

/** Run fn with an exclusive in-process lock on key (a path); callers queue in order. */
export async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/** cfssl's file names: NAME.pem and NAME-key.pem. */
export function certPath(pkiDir: string, name: string): string {
  return join(pkiDir, `${name}.pem`);
}
export function keyPath(pkiDir: string, name: string): string {
  return join(pkiDir, `${name}-key.pem`);
}
