/**
 * The controller's download cache: one verified file per checksum (CACHE/sha256-HEX). A download
 * streams into a temp file while it is hashed, and is renamed into place only when the hash
 * matches, so a mismatch leaves neither a file nor a poisoned cache entry. Concurrent requests
 * for the same checksum share one transfer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Algo } from './checksum.ts';
import { HttpError, httpGet, type GetOptions } from './http.ts';

export function cachePath(cacheDir: string, algo: Algo, hex: string): string {
  return join(cacheDir, `${algo}-${hex}`);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export interface FetchJob {
  mirrors: string[];
  algo: Algo;
  hex: string;
  cacheDir: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

/** Fetches and checks under way, by cache path: a task's hosts share one (nothing stays once it is done). */
const inFlight = new Map<string, Promise<string>>();

async function fileHash(path: string, algo: Algo): Promise<string> {
  const h = createHash(algo);
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/**
 * The cache path of the verified file, fetching it first unless it is cached. A cached entry is
 * hashed again before each task uses it (its hosts share that: ctx.once in actions.ts): a damaged
 * cache must not reach the hosts, and nothing is remembered beyond the task.
 */
export function fetchToCache(job: FetchJob): Promise<string> {
  const path = cachePath(job.cacheDir, job.algo, job.hex);
  let p = inFlight.get(path);
  if (!p) {
    p = (async () => {
      const st = await stat(path).catch(() => undefined);
      if (st) {
        if ((await fileHash(path, job.algo)) === job.hex) return path;
        job.progress?.(`cached ${path} is damaged; fetching again`);
        await rm(path, { force: true });
      }
      await fetchVerified(job, path);
      return path;
    })().finally(() => inFlight.delete(path));
    inFlight.set(path, p);
  }
  return p;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    });
  });

async function fetchVerified(job: FetchJob, path: string): Promise<void> {
  await mkdir(job.cacheDir, { recursive: true, mode: 0o700 });
  const errors: string[] = [];
  for (const url of job.mirrors) {
    for (let attempt = 0; attempt <= job.retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(job.retryDelayMs * 2 ** (attempt - 1), 30_000), job.signal);
      try {
        await fetchOnce(job, url, path);
        return;
      } catch (e) {
        const msg = (e as Error).message;
        if (e instanceof HttpError && e.transient && attempt < job.retries) {
          job.progress?.(`${msg}; retrying (${job.retries - attempt} left)`);
          continue;
        }
        errors.push(msg);
        break;
      }
    }
  }
  throw new Error(errors.join('; '));
}

async function fetchOnce(job: FetchJob, url: string, path: string): Promise<void> {
  const o: GetOptions = { timeoutMs: job.timeoutMs, ...(job.signal ? { signal: job.signal } : {}) };
  const res = await httpGet(url, o);
  const total = Number(res.headers['content-length'] ?? 0);
  const hash = createHash(job.algo);
  let seen = 0;
  let lastReport = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      seen += chunk.length;
      if (job.progress && seen - lastReport >= 8 * 1024 * 1024) {
        lastReport = seen;
        job.progress(`${url}: ${Math.round(seen / 1048576)} MiB${total ? ` of ${Math.round(total / 1048576)} MiB` : ''}`);
      }
      cb(null, chunk);
    },
  });
  const tmp = join(job.cacheDir, `.partial-${randomBytes(6).toString('hex')}`);
  try {
    await pipeline(res, meter, createWriteStream(tmp, { mode: 0o600 }));
    const got = hash.digest('hex');
    if (got !== job.hex) throw new HttpError(`${url}: checksum mismatch: expected ${job.algo}:${job.hex}, got ${job.algo}:${got}`, false);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e instanceof HttpError ? e : new HttpError(`${url}: ${(e as Error).message}`, true);
  }
}
