/**
 * The pure part of systemd and service: from a unit's state (systemctl show) and the wanted
 * state, the systemctl calls to make, in the order systemd needs them.
 */
import type { Change, Plan } from '../../api.ts';
import { lineDiff } from './diff.ts';

export interface UnitArgs {
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
  masked?: boolean;
  daemon_reload?: boolean;
  daemon_reexec?: boolean;
  no_block?: boolean;
}

export interface UnitView {
  /** Unit name with suffix, or undefined for daemon_reload alone. */
  unit?: string;
  /** false: no unit by that name (not loaded, no unit file). */
  found: boolean;
  active: string;
  /** systemctl is-enabled's word. */
  enablement: string;
  /** systemd has an older copy of the unit file than the disk (or has not loaded it yet). */
  needsReload: boolean;
  /** Set when the unit is known only because an earlier task of this check run writes its file. */
  after?: string;
}

/** is-enabled words that mean "starts at boot" (and exit 0). */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated']);
const RUNNING = new Set(['active', 'activating', 'reloading', 'refreshing']);

export function isEnabled(word: string): boolean {
  return ENABLED.has(word);
}

export function isRunning(active: string): boolean {
  return RUNNING.has(active);
}

/** `systemctl [--scope] ...words` */
export type Systemctl = (...words: string[]) => string[];

export function planUnit(v: UnitView, a: UnitArgs, systemctl: Systemctl): Plan {
  const changes: Change[] = [];
  const tag = v.after ? { after: v.after } : {};
  const name = v.unit ?? 'systemd';
  const onlyReload = !v.unit;
  if (a.daemon_reexec) changes.push({ summary: 'systemd: daemon-reexec', ops: [{ kind: 'exec', cmd: systemctl('daemon-reexec') }] });
  if (a.daemon_reload && (onlyReload || v.needsReload)) {
    changes.push({ summary: `${onlyReload ? 'systemd' : name}: daemon-reload`, ops: [{ kind: 'exec', cmd: systemctl('daemon-reload') }], ...tag });
  }
  if (onlyReload) return { changes, result: {} };
  if (!v.found) return { changes: [], failed: `unit ${name} not found (no unit file on the host${a.daemon_reload ? '' : ', and no daemon_reload'})` };

  let enablement = v.enablement;
  if (a.masked === true && enablement !== 'masked') {
    changes.push(prop(name, 'masked', 'false', 'true', systemctl('mask', '--', name), tag));
    enablement = 'masked';
  } else if (a.masked === false && enablement === 'masked') {
    changes.push(prop(name, 'masked', 'true', 'false', systemctl('unmask', '--', name), tag));
    enablement = 'disabled';
  }
  if (a.enabled !== undefined && enablement !== 'masked') {
    const now = isEnabled(enablement);
    // static units cannot be enabled or disabled: they count as enabled, like `systemctl is-enabled` says
    if (now !== a.enabled && !(enablement === 'static' && !a.enabled)) {
      changes.push(prop(name, 'enabled', String(now), String(a.enabled), systemctl(a.enabled ? 'enable' : 'disable', '--', name), tag));
    }
  } else if (a.enabled === true && enablement === 'masked') {
    return { changes, failed: `unit ${name} is masked: cannot enable it (use masked: false)` };
  }
  const noBlock = a.no_block ? ['--no-block'] : [];
  const running = isRunning(v.active);
  switch (a.state) {
    case 'started':
      if (!running) {
        if (enablement === 'masked') return { changes, failed: `unit ${name} is masked: cannot start it` };
        changes.push(prop(name, 'active', v.active || 'inactive', 'active', systemctl('start', ...noBlock, '--', name), tag));
      }
      break;
    case 'stopped':
      if (running) changes.push(prop(name, 'active', v.active, 'inactive', systemctl('stop', ...noBlock, '--', name), tag));
      break;
    case 'restarted':
      changes.push({ ...prop(name, 'active', v.active || 'inactive', 'active', systemctl('restart', ...noBlock, '--', name), tag), summary: `${name}: restart` });
      break;
    case 'reloaded':
      if (running) changes.push({ summary: `${name}: reload`, ops: [{ kind: 'exec', cmd: systemctl('reload-or-restart', ...noBlock, '--', name) }], ...tag });
      else changes.push(prop(name, 'active', v.active || 'inactive', 'active', systemctl('start', ...noBlock, '--', name), tag));
      break;
    case undefined:
      break;
  }
  return { changes, result: { name, enabled: a.enabled ?? isEnabled(v.enablement), state: v.active, status: { ActiveState: v.active, UnitFileState: v.enablement } } };
}

function prop(name: string, label: string, before: string, after: string, cmd: string[], tag: { after?: string }): Change {
  return { summary: `${name}: ${label}: ${before} → ${after}`, ops: [{ kind: 'exec', cmd }], diff: { path: name, ...lineDiff(label, before, after) }, ...tag };
}
