/** `systemctl show` of one unit: load, active and enablement state in one call. */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';

export interface UnitState {
  /** loaded, not-found, masked, bad-setting, error */
  load: string;
  /** active, inactive, failed, activating, deactivating, reloading */
  active: string;
  sub: string;
  /** enabled, disabled, static, masked, enabled-runtime, generated, indirect, '' … */
  unitFile: string;
  fragmentPath: string;
  needDaemonReload: boolean;
  /** False when systemctl itself is missing or the manager is not running. */
  available: boolean;
}

const PROPS = 'Id,LoadState,ActiveState,SubState,UnitFileState,FragmentPath,NeedDaemonReload';

export function unitScript(unit: string, scope: 'system' | 'user' | 'global' = 'system'): string {
  const flag = scope === 'system' ? [] : [`--${scope}`];
  return sh`command -v systemctl >/dev/null 2>&1 || return 127; systemctl ${flag} show --no-pager -p ${PROPS} -- ${unit}`;
}

export function parseShow(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) props[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return props;
}

export function parseUnit(o: ProbeOutput): UnitState {
  const p = parseShow(o.out);
  return {
    load: p.LoadState ?? '',
    active: p.ActiveState ?? '',
    sub: p.SubState ?? '',
    unitFile: p.UnitFileState ?? '',
    fragmentPath: p.FragmentPath ?? '',
    needDaemonReload: p.NeedDaemonReload === 'yes',
    available: o.rc === 0 && p.LoadState !== undefined,
  };
}

export function unitState(unit: string, scope?: 'system' | 'user' | 'global'): Probe<UnitState> {
  return defineProbe({ script: unitScript(unit, scope), parse: parseUnit });
}

/** systemd's unit name for a bare name: `etcd` → `etcd.service`. */
export function unitName(name: string): string {
  return /\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$/.test(name) ? name : `${name}.service`;
}
