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

let runStartedAt = Date.now();

/** A run starts (engine/commands/run.ts): temp files last written before now are stale from here on. */
export function markRunStart(at = Date.now()): void {
  runStartedAt = at;
}

/** Whole seconds since the current run started, rounded up. */
export function secondsSinceRunStart(now = Date.now()): number {
  return Math.max(0, Math.ceil((now - runStartedAt) / 1000));
}

export function runStart(): number {
  return runStartedAt;
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
export function staleTempScript(path: string, now = Date.now()): string {
  const ago = secondsSinceRunStart(now) + 1;
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
