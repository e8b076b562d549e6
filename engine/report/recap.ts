/**
 * PLAY RECAP: counting (pure, for the executor) and rendering (for the console).
 * Counting follows Ansible so that recaps read the same: `ok` counts every task that did not fail
 * (changed ones included), an ignored failure counts as ok + ignored, a rescued failure as rescued
 * (not failed), and a loop counts once per task, not once per item
 * (ansible/plugins/strategy/__init__.py, _process_pending_results).
 */
import { emptyStats, type HostStats, type HostStatus } from './events.ts';
import type { Styler, StyleRole } from './style.ts';

export interface CountedResult {
  status: HostStatus;
  ignored?: boolean;
  /** For an ignored failure: whether it changed something first (Ansible counts that too). */
  changed?: boolean;
}

/** Add one task's result on one host to its stats (mutates and returns stats). */
export function countResult(stats: HostStats, r: CountedResult): HostStats {
  switch (r.status) {
    case 'ok':
      stats.ok++;
      break;
    case 'changed':
      stats.ok++;
      stats.changed++;
      break;
    case 'skipped':
      stats.skipped++;
      break;
    case 'unreachable':
      stats.unreachable++;
      break;
    case 'failed':
      if (r.ignored) {
        stats.ok++;
        stats.ignored++;
        if (r.changed) stats.changed++;
      } else {
        stats.failed++;
      }
      break;
  }
  return stats;
}

/** A failure that a block's rescue handled: it was counted as failed, now it counts as rescued. */
export function countRescued(stats: HostStats): HostStats {
  if (stats.failed > 0) stats.failed--;
  stats.rescued++;
  return stats;
}

/** The status of a whole loop: failed beats changed beats ok; all skipped is skipped. */
export function loopStatus(items: HostStatus[]): HostStatus {
  if (items.includes('unreachable')) return 'unreachable';
  if (items.includes('failed')) return 'failed';
  if (items.includes('changed')) return 'changed';
  if (items.length > 0 && items.every((s) => s === 'skipped')) return 'skipped';
  return 'ok';
}

/** Stats for every host, creating missing entries. */
export function statsFor(all: Record<string, HostStats>, host: string): HostStats {
  return (all[host] ??= emptyStats());
}

/**
 * The process exit code a recap implies: 2 when a host failed, 3 when a host was unreachable
 * (failure wins when both happened, as in Ansible), else 0.
 */
export function recapExitCode(hosts: Record<string, HostStats>): 0 | 2 | 3 {
  const all = Object.values(hosts);
  if (all.some((s) => s.failed > 0)) return 2;
  if (all.some((s) => s.unreachable > 0)) return 3;
  return 0;
}

const COLUMNS: { key: keyof HostStats; role: StyleRole }[] = [
  { key: 'ok', role: 'ok' },
  { key: 'changed', role: 'changed' },
  { key: 'unreachable', role: 'unreachable' },
  { key: 'failed', role: 'failed' },
  { key: 'skipped', role: 'skipped' },
  { key: 'rescued', role: 'rescued' },
  { key: 'ignored', role: 'ignored' },
];

function hostRole(s: HostStats): StyleRole {
  if (s.failed > 0 || s.unreachable > 0) return 'failed';
  if (s.changed > 0) return 'changed';
  return 'ok';
}

/**
 * One aligned line per host: `web1   : ok=3    changed=1    unreachable=0 …`.
 * Hosts in the order given (the executor's inventory order); counts padded to the widest value.
 */
export function recapLines(hosts: Record<string, HostStats>, style: Styler): string[] {
  const names = Object.keys(hosts);
  const nameWidth = Math.max(0, ...names.map((n) => n.length));
  const valueWidth = Math.max(4, ...names.flatMap((n) => COLUMNS.map((c) => String(hosts[n]![c.key]).length + 1)));
  return names.map((name) => {
    const s = hosts[name]!;
    const cells = COLUMNS.map((c, i) => {
      const text = `${c.key}=${s[c.key]}`;
      const padded = i === COLUMNS.length - 1 ? text : text.padEnd(c.key.length + 1 + valueWidth);
      return s[c.key] > 0 ? style(c.role, text) + padded.slice(text.length) : padded;
    });
    return `${style(hostRole(s), name)}${' '.repeat(nameWidth - name.length)} : ${cells.join(' ')}`;
  });
}

/** `850ms`, `12.4s`, `3m 07s`, `1h 02m 03s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${sec}s` : `${m}m ${sec}s`;
}
