/**
 * The keeper as a process: `kplay __ssh-keeper SOCKET`, started by a run (locate.ts), which
 * executes runs itself with `runner` (run-host.ts). SIGTERM, SIGINT and SIGHUP close the kept
 * connections first.
 */
import { tellActiveRun, type CliRunner } from './run-host.ts';
import { runKeeper } from './server.ts';

export function keeperProcess(socketPath: string, runner: CliRunner): Promise<number> {
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => stop.abort());
  // a bug that escapes a run ends the keeper, as it would have ended the run's own process: the
  // user of the run executing now reads why (the keeper's stderr goes nowhere)
  const die = (e: unknown) => {
    const text = `internal error in the connection keeper: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
    void tellActiveRun(text).finally(() => process.exit(250));
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  return runKeeper({ socketPath, signal: stop.signal, runner });
}
