/**
 * The keeper as a process: `node dist/keeper.cjs SOCKET` (keeper/entry.ts, a bundle of the
 * transport alone: less to load and hold than the whole CLI), or from the sources
 * `kplay __ssh-keeper SOCKET`. SIGTERM, SIGINT and SIGHUP close the kept connections first.
 */
import { runKeeper } from './server.ts';

export function keeperProcess(socketPath: string): Promise<number> {
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => stop.abort());
  return runKeeper({ socketPath, signal: stop.signal });
}
