/**
 * The keeper as a process: `kplay __ssh-keeper SOCKET`, started by a run (locate.ts). bin/kplay.js
 * loads this file alone (dist/keeper.cjs, or these sources through tsx), not the CLI: the keeper
 * only keeps connections, and costs a run that starts it little. SIGTERM, SIGINT and SIGHUP close
 * the kept connections first.
 */
import { runKeeper } from './server.ts';
import { keepHeapSmall } from '../../util/v8-footprint.ts';

export function keeperProcess(socketPath: string): Promise<number> {
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => stop.abort());
  return runKeeper({ socketPath, signal: stop.signal });
}

/** bin/kplay.js's entry for `kplay __ssh-keeper SOCKET`. */
export async function main(argv: string[]): Promise<void> {
  // every command's bytes and frames pass through, little stays: the young generation need not grow
  keepHeapSmall();
  const code = await keeperProcess(argv[1]!);
  process.exit(code);
}
