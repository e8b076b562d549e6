/** The module registry: a literal map, so the set of modules is visible in one place and typed. */
import type { AnyModule, ControllerAction } from './api.ts';
import { coreModules } from './core/index.ts';
import { systemModules } from './system/index.ts';
import { clusterModules } from './cluster/index.ts';

export const modules: Record<string, AnyModule> = { ...coreModules, ...systemModules, ...clusterModules };

/** Every controller action, by name, from the modules that declare them (a plan names one, the executor runs it). */
export const controllerActions: ReadonlyMap<string, ControllerAction> = collectActions(Object.values(modules));

function collectActions(all: AnyModule[]): Map<string, ControllerAction> {
  const found = new Map<string, ControllerAction>();
  for (const m of all) {
    for (const a of m.actions ?? []) {
      if (found.has(a.name) && found.get(a.name) !== a) throw new Error(`controller action ${a.name} is registered twice (module ${m.name})`);
      found.set(a.name, a as ControllerAction);
    }
  }
  return found;
}

/** Collection prefixes accepted so that Ansible playbooks port with few edits. */
export const MODULE_PREFIXES = ['ansible.builtin.', 'ansible.posix.', 'community.general.', 'ansible.legacy.', 'community.crypto.'];

export function canonicalModuleName(name: string): string {
  for (const p of MODULE_PREFIXES) if (name.startsWith(p)) return name.slice(p.length);
  return name;
}
