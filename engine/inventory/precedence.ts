/**
 * The inventory part of variable precedence, in ansible-core's default order
 * (VARIABLE_PRECEDENCE = all_inventory, groups_inventory, all_plugins_inventory,
 * all_plugins_play, groups_plugins_inventory, groups_plugins_play; then the host's own layers).
 * Lowest first; a later layer replaces a whole top-level key (hash_behaviour=replace):
 *
 *   1. inline vars of group `all` (INI [all:vars], YAML all.vars)
 *   2. inline vars of the host's other groups, in group order
 *   3. group_vars/all beside each inventory source, in -i order
 *   4. group_vars/all beside the playbook
 *   5. group_vars/<group> beside each inventory source (sources outer, groups inner)
 *   6. group_vars/<group> beside the playbook
 *   7. the host's inline vars (plus inventory_file, inventory_dir, and ansible_port from host:port)
 *   8. host_vars/<host> beside each inventory source
 *   9. host_vars/<host> beside the playbook
 *
 * Group order is Ansible's sort_groups: by depth (distance below `all`; a child is deeper than
 * its parents), then `ansible_group_priority` (inline, default 1), then name.
 */
import type { SourceLoc } from '../errors.ts';
import { keyLoc } from '../load/yaml-positions.ts';
import type { Vars } from '../playbook/model.ts';
import type { GroupData, InventoryData } from './data.ts';
import type { VarFileCache } from './var-files.ts';

export interface VarDirs {
  /** Directories that hold an inventory's group_vars/ and host_vars/, in -i order. */
  inventory: string[];
  /** The playbook's directory, when it differs from all of the above. */
  playbook: string[];
}

/** Distance of every group below `all`, by the longest path (Ansible's Group.depth). */
export function groupDepths(data: InventoryData): Map<string, number> {
  const depths = new Map<string, number>();
  const visit = (name: string, depth: number): void => {
    if ((depths.get(name) ?? -1) >= depth) return;
    depths.set(name, depth);
    for (const child of data.groups.get(name)?.children ?? []) visit(child, depth + 1);
  };
  visit('all', 0);
  return depths;
}

export function groupPriority(g: GroupData): number {
  const p = Number(g.vars['ansible_group_priority'] ?? 1);
  return Number.isFinite(p) ? p : 1;
}

/** Ansible's sort_groups: depth, then priority, then name. */
export function sortGroups(groups: GroupData[], depths: Map<string, number>): GroupData[] {
  return [...groups].sort(
    (a, b) => (depths.get(a.name) ?? 0) - (depths.get(b.name) ?? 0) || groupPriority(a) - groupPriority(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export interface HostLayers {
  /** The host's groups without `all`, already in sortGroups order. */
  groups: GroupData[];
  all: GroupData;
  /** Inline host vars (for the implicit localhost: its defaults). */
  hostVars: Vars;
  host: string;
}

/** Layers 1-6: the same for every host in the same groups, so callers cache it by group list. */
export function mergeGroupVars(all: GroupData, groups: GroupData[], dirs: VarDirs, files: VarFileCache): Vars {
  const out: Vars = {};
  const add = (vars: Vars): void => copyInto(out, vars);
  add(all.vars);
  for (const g of groups) add(g.vars);
  for (const dir of dirs.inventory) add(files.varsFor(dir, 'group_vars', 'all'));
  for (const dir of dirs.playbook) add(files.varsFor(dir, 'group_vars', 'all'));
  for (const dir of dirs.inventory) for (const g of groups) add(files.varsFor(dir, 'group_vars', g.name));
  for (const dir of dirs.playbook) for (const g of groups) add(files.varsFor(dir, 'group_vars', g.name));
  return out;
}

/** Layers 7-9 on top of the host's group vars; returns a new object. */
export function mergeHostVars(groupVars: Vars, layers: Pick<HostLayers, 'host' | 'hostVars'>, dirs: VarDirs, files: VarFileCache): Vars {
  const out: Vars = {};
  copyInto(out, groupVars);
  copyInto(out, layers.hostVars);
  for (const dir of dirs.inventory) copyInto(out, files.varsFor(dir, 'host_vars', layers.host));
  for (const dir of dirs.playbook) copyInto(out, files.varsFor(dir, 'host_vars', layers.host));
  return out;
}

/**
 * Where the value of `name` that mergeHostVars gives the host comes from: the same layers walked
 * from the highest down, file by file (a group_vars/all/ directory holds several), stopping at the
 * first that sets the key. An inline var without a recorded position points at its host or group.
 */
export function varOrigin(name: string, layers: HostLayers & { hostLoc?: SourceLoc; hostVarLocs?: Map<string, SourceLoc> }, dirs: VarDirs, files: VarFileCache): SourceLoc | undefined {
  const inFiles = (dirList: string[], kind: 'group_vars' | 'host_vars', entity: string): SourceLoc | undefined => {
    for (const dir of [...dirList].reverse()) {
      for (const file of files.filesFor(dir, kind, entity).reverse()) {
        const vars = files.load(file);
        if (Object.hasOwn(vars, name)) return keyLoc(vars, name) ?? { file, line: 1, col: 1 };
      }
    }
    return undefined;
  };
  const hostFile = inFiles(dirs.playbook, 'host_vars', layers.host) ?? inFiles(dirs.inventory, 'host_vars', layers.host);
  if (hostFile) return hostFile;
  if (Object.hasOwn(layers.hostVars, name)) return layers.hostVarLocs?.get(name) ?? layers.hostLoc;
  const groups = [...layers.groups].reverse();
  for (const dirList of [dirs.playbook, dirs.inventory]) {
    for (const dir of [...dirList].reverse()) {
      for (const g of groups) {
        const loc = inFiles([dir], 'group_vars', g.name);
        if (loc) return loc;
      }
    }
  }
  for (const dirList of [dirs.playbook, dirs.inventory]) {
    const loc = inFiles(dirList, 'group_vars', 'all');
    if (loc) return loc;
  }
  for (const g of [...groups, layers.all]) if (Object.hasOwn(g.vars, name)) return g.varLocs?.get(name) ?? g.loc;
  return undefined;
}

/**
 * Object.assign, written out: V8 keeps objects of more than ~128 keys in dictionary mode, where
 * spread and assign cost microseconds per key; a keys loop is several times faster, and
 * Kubespray-sized group_vars are that big.
 */
function copyInto(out: Vars, vars: Vars): void {
  for (const k of Object.keys(vars)) out[k] = vars[k];
}
