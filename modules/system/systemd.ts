/** systemd: a unit's active state, enablement and masking; daemon-reload. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type ReadContext } from '../api.ts';
import { runProbes } from '../facts/batch.ts';
import { unitName, unitState, type UnitState } from '../facts/systemctl.ts';
import { planUnit, type UnitView } from './common/unit-plan.ts';
import { isEnabledProbe, unitFilesProbe } from './probes.ts';

const schema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: "The unit: 'etcd' means etcd.service." })),
    unit: Type.Optional(Type.String({ description: 'Alias of name.' })),
    service: Type.Optional(Type.String({ description: 'Alias of name.' })),
    state: Type.Optional(
      Type.Union([Type.Literal('started'), Type.Literal('stopped'), Type.Literal('restarted'), Type.Literal('reloaded')], {
        description: 'started/stopped change only when needed; restarted always restarts; reloaded reloads a running unit (starts a stopped one).',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'Start at boot. Static units count as enabled.' })),
    masked: Type.Optional(Type.Boolean({ description: 'Mask (true) or unmask (false) the unit.' })),
    daemon_reload: Type.Optional(Type.Boolean({ description: 'Run daemon-reload first, when systemd holds an outdated copy of the unit (or has not loaded it yet).', default: false })),
    daemon_reexec: Type.Optional(Type.Boolean({ description: 'Run daemon-reexec first (always a change).', default: false })),
    scope: Type.Optional(Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('global')], { description: 'Which systemd manager.', default: 'system' })),
    no_block: Type.Optional(Type.Boolean({ description: 'Do not wait for start/stop jobs to finish (--no-block).', default: false })),
  },
  { additionalProperties: false },
);

export type SystemdArgs = Static<typeof schema>;

export interface SystemdState {
  unit?: string;
  show?: UnitState;
  isEnabled?: string;
  /** Unit files for this name on disk. */
  files: string[];
  /** The earlier task of this check run that writes the unit file. */
  plannedBy?: string;
  systemctlMissing?: boolean;
}

export function nameOf(a: { name?: string; unit?: string; service?: string }): string | undefined {
  return a.name ?? a.unit ?? a.service;
}

/** The probes that read a unit, to batch with others. */
export function systemdProbes(unit: string, scope: 'system' | 'user' | 'global' | undefined) {
  return { show: unitState(unit, scope), enabled: isEnabledProbe(unit, scope), files: unitFilesProbe(unit) };
}

export function systemdState(unit: string, r: { show: UnitState; enabled: string; files: { paths: string[]; plannedBy?: string } }): SystemdState {
  return {
    unit,
    show: r.show,
    isEnabled: r.enabled,
    files: r.files.paths,
    ...(r.files.plannedBy ? { plannedBy: r.files.plannedBy } : {}),
    ...(r.show.available ? {} : { systemctlMissing: true }),
  };
}

export async function readSystemd(ctx: ReadContext, name: string | undefined, scope: 'system' | 'user' | 'global' | undefined): Promise<SystemdState> {
  if (name === undefined) return { files: [] };
  const unit = unitName(name);
  return systemdState(unit, await runProbes(ctx, systemdProbes(unit, scope)));
}

/** What systemd will know of the unit when the task's commands run. */
export function unitView(s: SystemdState): UnitView {
  const show = s.show;
  if (!s.unit || !show) return { found: false, active: '', enablement: '', needsReload: false };
  const loaded = show.load === 'loaded' || show.load === 'masked';
  const onDisk = s.files.length > 0;
  if (loaded) {
    return { unit: s.unit, found: true, active: show.active, enablement: s.isEnabled || show.unitFile, needsReload: show.needDaemonReload || s.plannedBy !== undefined, ...(s.plannedBy ? { after: s.plannedBy } : {}) };
  }
  if (onDisk) return { unit: s.unit, found: true, active: 'inactive', enablement: s.isEnabled || 'disabled', needsReload: true, ...(s.plannedBy ? { after: s.plannedBy } : {}) };
  // a unit systemd never loaded is loaded on demand (the real run's `systemctl show` does it): no reload needed
  if (s.plannedBy) return { unit: s.unit, found: true, active: 'inactive', enablement: 'disabled', needsReload: false, after: s.plannedBy };
  return { unit: s.unit, found: false, active: show.active, enablement: '', needsReload: false };
}

export function systemctlFor(scope: string | undefined): (...w: string[]) => string[] {
  return (...w) => ['systemctl', ...(scope && scope !== 'system' ? [`--${scope}`] : []), ...w];
}

export const systemd = defineModule({
  name: 'systemd',
  schema,
  doc: {
    short: 'Manage a systemd unit',
    description:
      "Starts, stops, restarts or reloads a unit, enables or masks it, and runs daemon-reload. One probe (systemctl show + is-enabled) reads the unit. The diff shows each property as `enabled: false → true`, `active: inactive → active`.",
    examples: `- systemd: { name: etcd, state: started, enabled: true, daemon_reload: true }
- systemd: { daemon_reload: true }`,
    notes: [
      'daemon_reload is a change only when systemd needs it (the unit file changed on disk, or is not loaded yet); without a name it always runs and reports a change. Ansible always reports daemon_reload as a change.',
      'In check mode, a unit whose file an earlier task writes is planned from that task ("after: <task>") instead of failing with "unit not found".',
      'restarted is always a change; reloaded reloads a running unit (reload-or-restart) and starts a stopped one.',
    ],
  },
  validate(a) {
    const given = (['name', 'unit', 'service'] as const).filter((k) => a[k] !== undefined);
    const errs: { key?: string; message: string }[] = [];
    if (given.length > 1) errs.push({ key: given[1], message: `give only one of ${given.join(', ')} (they are aliases)` });
    if (given.length === 0 && (a.state !== undefined || a.enabled !== undefined || a.masked !== undefined)) errs.push({ key: 'name', message: 'state, enabled and masked need a unit name' });
    if (given.length === 0 && !a.daemon_reload && !a.daemon_reexec) errs.push({ key: 'name', message: 'give a unit name, or daemon_reload' });
    return errs;
  },
  read: (ctx, a) => readSystemd(ctx, nameOf(a), a.scope),
  plan(s, a) {
    if (s.systemctlMissing) return { changes: [], failed: 'systemctl does not work on this host (is systemd running?)' };
    return planUnit(unitView(s), a, systemctlFor(a.scope));
  },
});

export const systemd_service = { ...systemd, name: 'systemd_service' };
