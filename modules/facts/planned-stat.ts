/**
 * stat with the planned answer: besides what is on the host now, what an earlier task of this run
 * makes of the path (check mode only: in a real run that task has run, and the host shows it).
 * The module decides what the entry means for it (a missing file that an earlier task writes, a
 * dest that becomes a directory), and never reads the ledger itself.
 */
import type { Ledger, LedgerEntry } from '../api.ts';
import { defineProbe, type Probe } from './read-only.ts';
import { parseStat, parseStatEach, statEachScript, statScript, type StatInfo } from './stat.ts';

export interface PlannedStat {
  /** What the host has now. */
  st: StatInfo;
  /** Check mode: what an earlier task of this run makes of the path (written, made a directory, removed). */
  planned?: LedgerEntry;
}

function withPlanned(found: PlannedStat, ledger: Ledger, path: string): PlannedStat {
  const e = ledger.path(path);
  return e ? { ...found, planned: e } : found;
}

/** stat(path, follow), and in check mode the earlier task's entry for it. */
export function statPlanned(path: string, follow = false): Probe<PlannedStat> {
  return defineProbe<PlannedStat>({
    script: statScript(path, follow),
    parse: (o) => ({ st: parseStat(o) }),
    planned: (found, ledger) => withPlanned(found, ledger, path),
  });
}

/** statEach(paths) (stat -L of each, one run of stat), and in check mode the earlier tasks' entries. */
export function statEachPlanned(paths: readonly string[]): Probe<PlannedStat[]> {
  return defineProbe<PlannedStat[]>({
    script: statEachScript(paths),
    parse: (o) => parseStatEach(o, paths.length).map((st) => ({ st })),
    planned: (found, ledger) => found.map((f, i) => withPlanned(f, ledger, paths[i]!)),
  });
}
