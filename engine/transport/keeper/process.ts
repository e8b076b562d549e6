/**
 * The keeper as a process: `kplay __ssh-keeper SOCKET`, started by a run (locate.ts), which
 * executes runs itself with `runner` (run-host.ts). SIGTERM, SIGINT and SIGHUP close the kept
 * connections first.
 */
import type { CliRunner } from './run-host.ts';
import { runKeeper } from './server.ts';

export function keeperProcess(socketPath: string, runner: CliRunner): Promise<number> {
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => stop.abort());
  return runKeeper({ socketPath, signal: stop.signal, runner });
}
