/** service: the same arguments as systemd, on systemd or OpenRC (rc-service, rc-update). */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type ReadContext, type Plan } from '../api.ts';
import { runProbes, type Probe, type ProbeResults } from '../facts/batch.ts';
import { unitName } from '../facts/systemctl.ts';
import { planUnit } from './common/unit-plan.ts';
import { lineDiff } from './common/diff.ts';
import { systemctlFor, systemdProbes, systemdState, unitView, type SystemdState } from './systemd.ts';
import { openrcProbes, serviceManagerProbe } from './probes.ts';

const schema = Type.Object(
  {
    name: Type.String({ description: "The service: 'etcd' (a systemd unit name, or an OpenRC init script)." }),
    state: Type.Optional(
      Type.Union([Type.Literal('started'), Type.Literal('stopped'), Type.Literal('restarted'), Type.Literal('reloaded')], {
        description: 'started/stopped change only when needed; restarted always restarts; reloaded reloads a running service.',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'Start at boot (OpenRC: in the runlevel).' })),
    runlevel: Type.Optional(Type.String({ description: 'OpenRC runlevel for enabled.', default: 'default' })),
    daemon_reload: Type.Optional(Type.Boolean({ description: 'systemd only: daemon-reload when systemd holds an outdated unit.', default: false })),
    use: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('systemd'), Type.Literal('openrc')], {
        description: 'The service manager; auto: the ansible_service_mgr fact, else probed.',
        default: 'auto',
      }),
    ),
  },
  { additionalProperties: false },
);

export type ServiceArgs = Static<typeof schema>;

export interface OpenrcState {
  /** rc-service status: 0 running, 3 stopped, other: unknown service */
  statusRc: number;
  exists: boolean;
  /** Runlevels the service is in. */
  runlevels: string[];
}

export type ServiceState =
  | { manager: 'systemd'; systemd: SystemdState }
  | { manager: 'openrc'; openrc: OpenrcState }
  | { manager: 'unknown'; what: string };

function knownManager(ctx: ReadContext, a: ServiceArgs): string | undefined {
  if (a.use && a.use !== 'auto') return a.use;
  const fact = ctx.vars.ansible_service_mgr;
  return typeof fact === 'string' && fact ? fact : undefined;
}

/** One round trip: the manager (unless the facts say it) and the service as both managers see it. */
async function readService(ctx: ReadContext, a: ServiceArgs): Promise<ServiceState> {
  const known = knownManager(ctx, a);
  const unit = unitName(a.name);
  const probes: Record<string, Probe<unknown>> = {
    ...(known ? {} : { manager: serviceManagerProbe }),
    ...(known === undefined || known === 'systemd' ? systemdProbes(unit, 'system') : {}),
    ...(known === undefined || known === 'openrc' ? openrcProbes(a.name) : {}),
  };
  const all = (await runProbes(ctx, probes)) as Partial<ProbeResults<ReturnType<typeof systemdProbes> & ReturnType<typeof openrcProbes> & { manager: Probe<string> }>>;
  const m = known ?? all.manager ?? 'unknown';
  if (m === 'systemd') return { manager: 'systemd', systemd: systemdState(unit, { show: all.show!, enabled: all.enabled!, files: all.files! }) };
  if (m === 'openrc') return { manager: 'openrc', openrc: { exists: all.rcExists!, statusRc: all.rcStatus!, runlevels: all.rcLevels! } };
  return { manager: 'unknown', what: m };
}

export function planOpenrc(s: OpenrcState, a: ServiceArgs): Plan {
  const name = a.name;
  if (!s.exists) return { changes: [], failed: `service ${name} not found (/etc/init.d/${name})` };
  const changes: Change[] = [];
  const level = a.runlevel ?? 'default';
  const enabled = s.runlevels.includes(level);
  const c = (label: string, before: string, after: string, cmd: string[]): Change => ({ summary: `${name}: ${label}: ${before} → ${after}`, ops: [{ kind: 'exec', cmd }], diff: { path: name, ...lineDiff(label, before, after) } });
  if (a.enabled !== undefined && a.enabled !== enabled) changes.push(c('enabled', String(enabled), String(a.enabled), ['rc-update', a.enabled ? 'add' : 'del', name, level]));
  const running = s.statusRc === 0;
  const active = running ? 'active' : 'inactive';
  if (a.state === 'started' && !running) changes.push(c('active', active, 'active', ['rc-service', name, 'start']));
  if (a.state === 'stopped' && running) changes.push(c('active', active, 'inactive', ['rc-service', name, 'stop']));
  if (a.state === 'restarted') changes.push({ ...c('active', active, 'active', ['rc-service', name, 'restart']), summary: `${name}: restart` });
  if (a.state === 'reloaded') changes.push(running ? { summary: `${name}: reload`, ops: [{ kind: 'exec', cmd: ['rc-service', name, 'reload'] }] } : c('active', active, 'active', ['rc-service', name, 'start']));
  return { changes, result: { name, enabled: a.enabled ?? enabled, state: active } };
}

export const service = defineModule({
  name: 'service',
  schema,
  doc: {
    short: 'Manage a service on systemd or OpenRC',
    description: 'Starts, stops, restarts, reloads and enables a service with the host\'s service manager: systemd (as the systemd module) or OpenRC (rc-service, rc-update).',
    examples: `- service: { name: haproxy, state: started, enabled: true }`,
    notes: ['The manager comes from the ansible_service_mgr fact when facts were gathered, else from a probe (/run/systemd/system, rc-service).', 'SysV init without systemd or OpenRC is not supported.'],
  },
  read: readService,
  plan(s, a) {
    if (s.manager === 'systemd') {
      if (s.systemd.systemctlMissing) return { changes: [], failed: 'systemctl does not work on this host' };
      return planUnit(unitView(s.systemd), a, systemctlFor('system'));
    }
    if (s.manager === 'openrc') return planOpenrc(s.openrc, a);
    return { changes: [], failed: `service manager ${s.what} is not supported (systemd and openrc are)` };
  },
});
