/** download's controller action: fill the controller cache (once per checksum and run, shared by all hosts). */
import { defineAction, OpError } from '../../api.ts';
import { cachePath, fetchToCache } from './cache.ts';
import type { Algo } from './checksum.ts';

export interface FetchInput {
  fileName: string;
  mirrors: string[];
  algo: Algo;
  hex: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
}

export const fetchAction = defineAction<FetchInput, void>({
  name: 'download.fetch',
  async run(i, ctx) {
    const path = cachePath(ctx.controller.cacheDir, i.algo, i.hex);
    try {
      await ctx.once(`download:${path}`, () =>
        fetchToCache({
          mirrors: i.mirrors,
          algo: i.algo,
          hex: i.hex,
          cacheDir: ctx.controller.cacheDir,
          timeoutMs: i.timeoutMs,
          retries: i.retries,
          retryDelayMs: i.retryDelayMs,
          progress: (m) => ctx.progress(m),
          signal: ctx.signal,
        }),
      );
    } catch (e) {
      throw new OpError(`download ${i.fileName} failed: ${(e as Error).message}`);
    }
  },
});
