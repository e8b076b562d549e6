/** The module registry: a literal map, so the set of modules is visible in one place and typed. */
import type { AnyModule } from './api.ts';
import { coreModules } from './core/index.ts';
import { systemModules } from './system/index.ts';
import { clusterModules } from './cluster/index.ts';

export const modules: Record<string, AnyModule> = { ...coreModules, ...systemModules, ...clusterModules };

/** Collection prefixes accepted so that Ansible playbooks port with few edits. */
export const MODULE_PREFIXES = ['ansible.builtin.', 'ansible.posix.', 'community.general.', 'ansible.legacy.', 'community.crypto.'];

export function canonicalModuleName(name: string): string {
  for (const p of MODULE_PREFIXES) if (name.startsWith(p)) return name.slice(p.length);
  return name;
}
