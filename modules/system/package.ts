/** package: OS packages with apt (Debian, Ubuntu) or dnf (Fedora, RHEL). */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type ReadContext, type Plan } from '../api.ts';
import { runProbe, runProbes, type Probe } from '../facts/batch.ts';
import { installed, type Installed } from '../facts/packages.ts';
import { aptCandidates, dnfUpgrades, packageManagerProbe } from './probes.ts';

const schema = Type.Object(
  {
    name: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Package name(s); a string may list several separated by commas. Optional with update_cache alone.' })),
    state: Type.Optional(
      Type.Union([Type.Literal('present'), Type.Literal('absent'), Type.Literal('latest'), Type.Literal('installed'), Type.Literal('removed')], {
        description: 'present (installed): install when missing; latest: also upgrade; absent (removed): remove.',
        default: 'present',
      }),
    ),
    update_cache: Type.Optional(Type.Boolean({ description: 'Refresh the package index before installing (only when something is installed or upgraded; always when no name is given).', default: false })),
    use: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('apt'), Type.Literal('dnf')], { description: 'The package manager; auto: the ansible_pkg_mgr fact, else probed.', default: 'auto' })),
  },
  { additionalProperties: false },
);

export type PackageArgs = Static<typeof schema>;
export type Manager = 'apt' | 'dnf';

export interface PackageState {
  manager: Manager | 'unknown';
  installed: Installed;
  /** latest only: packages with a newer candidate version (name → candidate). */
  upgradable: Record<string, string>;
}

export function names(a: PackageArgs): string[] {
  const n = a.name === undefined ? [] : Array.isArray(a.name) ? a.name : a.name.split(',');
  return n.map((x) => x.trim()).filter(Boolean);
}

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
const APT_OPTS = ['-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];

export function planPackage(s: PackageState, a: PackageArgs): Plan {
  if (s.manager === 'unknown') return { changes: [], failed: 'no supported package manager (apt-get or dnf) on this host' };
  const pkgs = names(a);
  const state = a.state === 'installed' ? 'present' : a.state === 'removed' ? 'absent' : (a.state ?? 'present');
  const changes: Change[] = [];
  const apt = s.manager === 'apt';
  const refresh: Change = { summary: `${s.manager}: update the package index`, ops: [apt ? { kind: 'exec', cmd: ['apt-get', 'update', '-q'], env: APT_ENV } : { kind: 'exec', cmd: ['dnf', '-q', 'makecache'] }] };
  if (pkgs.length === 0) return { changes: a.update_cache ? [refresh] : [] };
  if (state === 'absent') {
    const remove = pkgs.filter((p) => s.installed[p] !== undefined);
    if (remove.length) {
      changes.push({
        summary: `remove ${remove.map((p) => `${p} ${s.installed[p]}`).join(', ')}`,
        ops: [apt ? { kind: 'exec', cmd: ['apt-get', 'remove', ...APT_OPTS, '--', ...remove], env: APT_ENV } : { kind: 'exec', cmd: ['dnf', '-y', '-q', 'remove', '--', ...remove] }],
        diff: { before: remove.map((p) => `${p} ${s.installed[p]}\n`).join(''), after: '' },
      });
    }
    return { changes, result: { packages: remove } };
  }
  const missing = pkgs.filter((p) => s.installed[p] === undefined);
  const upgrade = state === 'latest' ? pkgs.filter((p) => s.installed[p] !== undefined && s.upgradable[p] !== undefined && s.upgradable[p] !== s.installed[p]) : [];
  if ((missing.length || upgrade.length) && a.update_cache) changes.push(refresh);
  if (missing.length) {
    changes.push({
      summary: `install ${missing.join(', ')}`,
      ops: [apt ? { kind: 'exec', cmd: ['apt-get', 'install', ...APT_OPTS, '--', ...missing], env: APT_ENV } : { kind: 'exec', cmd: ['dnf', '-y', '-q', 'install', '--', ...missing] }],
      diff: { before: '', after: missing.map((p) => `${p}\n`).join('') },
    });
  }
  if (upgrade.length) {
    changes.push({
      summary: `upgrade ${upgrade.map((p) => `${p} ${s.installed[p]} → ${s.upgradable[p]}`).join(', ')}`,
      ops: [apt ? { kind: 'exec', cmd: ['apt-get', 'install', '--only-upgrade', ...APT_OPTS, '--', ...upgrade], env: APT_ENV } : { kind: 'exec', cmd: ['dnf', '-y', '-q', 'upgrade', '--', ...upgrade] }],
      diff: { before: upgrade.map((p) => `${p} ${s.installed[p]}\n`).join(''), after: upgrade.map((p) => `${p} ${s.upgradable[p]}\n`).join('') },
    });
  }
  return { changes, result: { packages: [...missing, ...upgrade] } };
}

function knownManager(ctx: ReadContext, a: PackageArgs): Manager | undefined {
  if (a.use && a.use !== 'auto') return a.use;
  const fact = ctx.vars.ansible_pkg_mgr;
  if (fact === 'apt' || fact === 'dnf') return fact;
  if (fact === 'yum' || fact === 'dnf5') return 'dnf';
  return undefined;
}

function managerProbes(m: Manager, pkgs: string[], latest: boolean): Record<string, Probe<unknown>> {
  return { [`${m}Installed`]: installed(m, pkgs), ...(latest ? { [`${m}Upgradable`]: m === 'apt' ? aptCandidates(pkgs) : dnfUpgrades(pkgs) } : {}) };
}

/** One round trip: the manager (unless the facts say it) and the packages as each candidate manager sees them. */
async function readPackages(ctx: ReadContext, a: PackageArgs): Promise<PackageState> {
  const known = knownManager(ctx, a);
  const pkgs = names(a);
  if (pkgs.length === 0) return { manager: known ?? (await runProbe(ctx, packageManagerProbe)), installed: {}, upgradable: {} };
  const latest = a.state === 'latest';
  const candidates: Manager[] = known ? [known] : ['apt', 'dnf'];
  const probes: Record<string, Probe<unknown>> = known ? {} : { manager: packageManagerProbe };
  for (const m of candidates) Object.assign(probes, managerProbes(m, pkgs, latest));
  const r = (await runProbes(ctx, probes)) as Record<string, unknown>;
  const manager = known ?? (r.manager as Manager | 'unknown');
  if (manager === 'unknown') return { manager, installed: {}, upgradable: {} };
  return { manager, installed: r[`${manager}Installed`] as Installed, upgradable: (r[`${manager}Upgradable`] as Record<string, string> | undefined) ?? {} };
}

export const packageModule = defineModule({
  name: 'package',
  schema,
  doc: {
    short: 'Install, upgrade or remove OS packages (apt, dnf)',
    description:
      'Installs missing packages, upgrades them with state latest, or removes them. The installed set is read with dpkg-query or rpm -q, so check mode predicts exactly which packages would be installed or removed, without touching the host.',
    examples: `- package: { name: [conntrack, socat, ipset], state: present }
- package: { name: haproxy, state: latest, update_cache: true }`,
    notes: [
      'update_cache only runs when a package is installed or upgraded (idempotent), or when no name is given (then it always runs and reports a change).',
      'state latest compares with the candidate in the current package index: combine with update_cache to see new versions.',
      'Versions pinned in the name (curl=7.88.1-10) are not understood: give plain names.',
    ],
  },
  validate(a) {
    if (names(a).length === 0 && !a.update_cache) return [{ key: 'name', message: 'give name (or update_cache alone)' }];
    return [];
  },
  read: readPackages,
  plan: planPackage,
});

/** apt and dnf: package with the manager fixed. */
export const apt = { ...packageModule, name: 'apt', read: (ctx: ReadContext, a: PackageArgs) => packageModule.read(ctx, { ...a, use: 'apt' }) };
export const dnf = { ...packageModule, name: 'dnf', read: (ctx: ReadContext, a: PackageArgs) => packageModule.read(ctx, { ...a, use: 'dnf' }) };
