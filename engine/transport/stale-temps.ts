/**
 * Temp files of interrupted transfers. Every upload writes `.<name>.kplay-<12 hex>.tmp` beside its
 * destination and renames it into place; a run killed mid-transfer (kill -9 of the CLI or the
 * keeper, a lost connection) leaves that temp file behind. Before each upload, the transport
 * removes such files beside that destination — only names of exactly that form, only regular
 * files, and only those last written before the current run started — so a rerun cleans up after
 * the run that was killed and never touches another writer's file or a file kplay did not make.
 *
 * "Before the run started" is judged on the host's own clock: the controller says how many
 * seconds ago the run started, the host subtracts that from its `date +%s` (and one more second,
 * as mtimes are whole seconds), so a skewed clock can never make a file of this run look stale.
 */
import { posix } from 'node:path';
import { quote } from './quote.ts';

/**
 * When the process started: the run start of a transport made without a run (tests, the keeper's
 * own liveness probes). Files written before it cannot be this process's.
 */
const PROCESS_START = Date.now() - Math.round(process.uptime() * 1000);

/**
 * The start of the run an upload belongs to, passed with the upload: an SshTransport in the run's
 * process knows its run (SshOptions.scope); the keeper's shared connection is told it per upload
 * by the run that asks (keeper/client.ts).
 */
export interface RunStart {
  runStartedAt?: number;
}

export function runStartOf(o: RunStart | undefined, fallback?: number): number {
  return o?.runStartedAt ?? fallback ?? PROCESS_START;
}

/** Whole seconds since the run started, rounded up. */
export function secondsSince(startedAt: number, now = Date.now()): number {
  return Math.max(0, Math.ceil((now - startedAt) / 1000));
}

const HEX12 = '[0-9a-f]'.repeat(12);

/** The glob of kplay's temp files beside `path` (quoted: only the hex part is a pattern). */
export function staleTempGlob(path: string): string {
  return `${quote(posix.join(posix.dirname(path), `.${posix.basename(path)}.kplay-`))}${HEX12}${quote('.tmp')}`;
}

/** True for a name kplay gives a temp file of `base`. */
export function isTempNameOf(name: string, base: string): boolean {
  return name.startsWith(`.${base}.kplay-`) && /^[0-9a-f]{12}(\.tmp)?$/.test(name.slice(base.length + 8));
}

/**
 * POSIX sh + coreutils: remove kplay's temp files beside `path` last written before the run
 * started. Never fails (a file it may not remove stays).
 */
export function staleTempScript(path: string, runStartedAt: number, now = Date.now()): string {
  const ago = secondsSince(runStartedAt, now) + 1;
  return [
    `kplay_t=$(( $(date +%s) - ${ago} ))`,
    `for kplay_f in ${staleTempGlob(path)}; do`,
    '  if [ -f "$kplay_f" ] && [ ! -L "$kplay_f" ]; then',
    '    kplay_m=$(stat -c %Y -- "$kplay_f" 2>/dev/null) && [ "$kplay_m" -lt "$kplay_t" ] && rm -f -- "$kplay_f"',
    '  fi',
    'done',
    ':',
  ].join('\n');
}
