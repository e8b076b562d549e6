/**
 * The role contract (issues 15 and 16, docs/roles.md): every role under roles/ (a directory with
 * tasks/ or defaults/) has meta/argument_specs.yml listing every variable of its defaults/main.yml,
 * and its defaults pass those specs; every role depends on cluster_defaults (directly or through a
 * dependency); every template task that writes a systemd unit validates it with systemd-analyze
 * verify. Static reads of the YAML files only: no host, no playbook run.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';
import { roleParamsSchema, type OptionSpec } from '../../../engine/load/argument-specs.ts';
import { validateWith } from '../../../engine/load/schema-errors.ts';

const ROLES = join(import.meta.dirname, '../../../roles');

/** Roles without meta/argument_specs.yml, and why. The test fails when one gets its specs: remove it here then. */
const NO_ARGUMENT_SPECS: Record<string, string> = {
  'apps/addons_defaults': 'add-on roles (issue 17), in progress',
  'apps/cert_manager': 'add-on roles (issue 17), in progress',
  'apps/gateway_api': 'add-on roles (issue 17), in progress',
  'apps/helm': 'add-on roles (issue 17), in progress',
  'apps/kube_prometheus': 'add-on roles (issue 17), in progress',
  'apps/metrics_server': 'add-on roles (issue 17), in progress',
};

/** Roles whose argument_specs do not list every default yet, and why. The test fails when one is complete: remove it here then. */
const INCOMPLETE_ARGUMENT_SPECS: Record<string, string> = {
  'apps/coredns': 'first cut (issue 17), in progress',
  'network_plugin/flannel': 'first cut (issue 17), in progress',
};

/** Task files whose unit templates are not validated yet, and why. The test fails when one is fixed: remove it here then. */
const UNVALIDATED_UNITS: Record<string, string> = {
  'apps/coredns/tasks/host.yml': 'coredns.service: host mode of the CoreDNS role, in progress',
  'network_plugin/flannel/tasks/host.yml': 'flanneld.service: host mode of the flannel role, in progress',
};

type Map_ = Record<string, unknown>;
const isMap = (v: unknown): v is Map_ => typeof v === 'object' && v !== null && !Array.isArray(v);

function yamlFile(dir: string, base: string): string | undefined {
  for (const ext of ['yml', 'yaml']) {
    const f = join(dir, `${base}.${ext}`);
    if (existsSync(f)) return f;
  }
  return undefined;
}

function readYaml(file: string | undefined): unknown {
  return file ? load(readFileSync(file, 'utf8')) : undefined;
}

/** Role names relative to roles/ ("etcd", "network_plugin/bridge"). */
function findRoles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory()) continue;
    if (existsSync(join(sub, 'tasks')) || existsSync(join(sub, 'defaults'))) out.push(relative(ROLES, sub));
    else findRoles(sub, out);
  }
  return out;
}

function dependencies(role: string): string[] {
  const meta = readYaml(yamlFile(join(ROLES, role, 'meta'), 'main'));
  const deps = isMap(meta) && Array.isArray(meta['dependencies']) ? meta['dependencies'] : [];
  return deps.map((d) => (isMap(d) ? String(d['role'] ?? d['name']) : String(d)));
}

function dependsOnClusterDefaults(role: string, seen = new Set<string>()): boolean {
  if (seen.has(role)) return false;
  seen.add(role);
  return dependencies(role).some((d) => d === 'cluster_defaults' || dependsOnClusterDefaults(d, seen));
}

/** Every task of a task list, blocks (block/rescue/always) included. */
function* tasksOf(list: unknown): Generator<Map_> {
  if (!Array.isArray(list)) return;
  for (const t of list) {
    if (!isMap(t)) continue;
    yield t;
    for (const k of ['block', 'rescue', 'always']) yield* tasksOf(t[k]);
  }
}

/** A template task's arguments (mapping or k=v string). */
function templateArgs(task: Map_): Map_ | undefined {
  const a = task['template'] ?? task['ansible.builtin.template'];
  if (isMap(a)) return a;
  if (typeof a === 'string') return Object.fromEntries([...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  return undefined;
}

const UNIT_DEST = /(\/etc\/systemd\/system|systemd_unit_dir|_unit_dir\s*\}\})|\.(service|socket|timer|mount|path)$/;

/** "task file: task name" of every unit template without a systemd-analyze verify validate. */
function unvalidatedUnits(role: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const dir = join(ROLES, role, 'tasks');
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    for (const task of tasksOf(readYaml(join(dir, f)))) {
      const args = templateArgs(task);
      if (!args || !UNIT_DEST.test(String(args['dest'] ?? ''))) continue;
      if (/systemd-analyze verify/.test(String(args['validate'] ?? ''))) continue;
      const key = `${role}/tasks/${f}`;
      out.set(key, [...(out.get(key) ?? []), String(task['name'] ?? args['dest'])]);
    }
  }
  return out;
}

describe('role contract (every role under roles/)', () => {
  const roles = findRoles(ROLES);

  it('finds the roles', () => {
    expect(roles).to.include.members(['etcd', 'pki', 'node', 'control-plane', 'network_plugin/bridge', 'cluster_defaults', 'container-engine/containerd']);
  });

  for (const role of roles) {
    describe(role, () => {
      const specFile = yamlFile(join(ROLES, role, 'meta'), 'argument_specs');
      const defaults = readYaml(yamlFile(join(ROLES, role, 'defaults'), 'main'));
      const defaultVars = isMap(defaults) ? defaults : {};

      it('has meta/argument_specs.yml with every default, and its defaults pass it', () => {
        if (role in NO_ARGUMENT_SPECS) {
          expect(specFile, `${role} has argument_specs now: remove it from NO_ARGUMENT_SPECS in ${relative(process.cwd(), import.meta.filename)}`).to.equal(undefined);
          return;
        }
        expect(specFile, `roles/${role}/meta/argument_specs.yml is missing`).to.be.a('string');
        const spec = readYaml(specFile);
        const main = isMap(spec) && isMap(spec['argument_specs']) ? spec['argument_specs']['main'] : undefined;
        expect(isMap(main) && isMap(main['options']), `roles/${role}/meta/argument_specs.yml: argument_specs.main.options`).to.equal(true);
        const options = (main as Map_)['options'] as Record<string, OptionSpec>;
        const missing = Object.keys(defaultVars).filter((k) => !(k in options));
        if (role in INCOMPLETE_ARGUMENT_SPECS) {
          expect(missing, `roles/${role}'s argument_specs list every default now: remove it from INCOMPLETE_ARGUMENT_SPECS`).to.not.deep.equal([]);
        } else {
          expect(missing, `variables of roles/${role}/defaults/main.yml missing from its argument_specs`).to.deep.equal([]);
        }
        const errors = validateWith(roleParamsSchema(options), defaultVars, { locate: () => undefined, noun: 'role parameter', lenientTemplates: true });
        expect(
          errors.map((e) => e.message),
          `roles/${role}/defaults/main.yml against its argument_specs`,
        ).to.deep.equal([]);
      });

      if (role !== 'cluster_defaults') {
        it('depends on cluster_defaults', () => {
          expect(dependsOnClusterDefaults(role), `roles/${role}/meta/main.yml: dependencies: [cluster_defaults]`).to.equal(true);
        });
      }

      it('validates every systemd unit it writes (systemd-analyze verify)', () => {
        const gaps = unvalidatedUnits(role);
        for (const [file, tasks] of gaps) {
          expect(file in UNVALIDATED_UNITS, `roles/${file}: template task(s) ${tasks.map((t) => `'${t}'`).join(', ')} write a systemd unit without validate: systemd-analyze verify`).to.equal(true);
        }
        for (const file of Object.keys(UNVALIDATED_UNITS).filter((f) => f.startsWith(`${role}/tasks/`))) {
          expect(gaps.has(file), `roles/${file} validates its units now: remove it from UNVALIDATED_UNITS`).to.equal(true);
        }
      });
    });
  }
});
