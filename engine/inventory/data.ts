/**
 * The parsed inventory graph: hosts in declaration order, groups with their direct hosts,
 * children and inline vars. Parsers (INI, YAML, host lists) only call the add/set methods here,
 * so every format ends in the same shape and the same rules (cycles, `all`, `ungrouped`).
 */
import { KplayError, type SourceLoc } from '../errors.ts';
import type { Vars } from '../playbook/model.ts';

export interface GroupData {
  name: string;
  hosts: string[];
  children: string[];
  parents: string[];
  vars: Vars;
  /** Where each inline var is written (the last definition), for Inventory.varOrigin. */
  varLocs?: Map<string, SourceLoc>;
  loc?: SourceLoc;
}

export interface HostData {
  name: string;
  /** Inline vars from the inventory files, later definitions winning. */
  vars: Vars;
  /** Where each inline var is written (the last definition), for Inventory.varOrigin. */
  varLocs?: Map<string, SourceLoc>;
  /** Position in declaration order; pattern results and group lists follow it. */
  order: number;
  /** The first inventory file that named the host (Ansible's inventory_file). */
  source?: string;
  loc?: SourceLoc;
}

/** kplay.yml `group_aliases` and `computed_groups` (docs/inventory.md). */
export interface GroupRules {
  aliases?: Record<string, string>;
  computed?: Record<string, string[]>;
}

export class InventoryData {
  readonly hosts = new Map<string, HostData>();
  readonly groups = new Map<string, GroupData>();
  /** Problems Ansible would reject or that look like typos, but that do not stop the load. */
  readonly warnings: KplayError[] = [];

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
  }

  addGroup(name: string, loc?: SourceLoc): GroupData {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], parents: [], vars: {}, loc };
      this.groups.set(name, g);
    } else if (!g.loc && loc) g.loc = loc;
    return g;
  }

  addHost(name: string, group: string | undefined, source: string | undefined, loc?: SourceLoc): HostData {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, order: this.hosts.size, source, loc };
      this.hosts.set(name, h);
    }
    if (group) {
      const g = this.addGroup(group);
      if (!g.hosts.includes(name)) g.hosts.push(name);
    }
    return h;
  }

  setHostVar(host: string, key: string, value: unknown, loc?: SourceLoc): void {
    const h = this.hosts.get(host);
    if (!h) throw new KplayError('KPLAY_INTERNAL', `setHostVar on unknown host ${host}`);
    h.vars[key] = value;
    recordLoc(h, key, loc);
  }

  setGroupVar(group: string, key: string, value: unknown, loc?: SourceLoc): void {
    const g = this.addGroup(group);
    g.vars[key] = value;
    recordLoc(g, key, loc);
  }

  /** Make `child` a child of `parent`; refuses loops (a group inside itself) with the location. */
  addChild(parent: string, child: string, loc?: SourceLoc): void {
    if (child === 'all') throw new KplayError('KPLAY_INVENTORY', `group "all" cannot be a child of "${parent}"`, { loc });
    const p = this.addGroup(parent);
    const c = this.addGroup(child, loc);
    if (p.children.includes(child)) return;
    if (parent === child || this.isDescendant(child, parent)) {
      throw new KplayError('KPLAY_INVENTORY', `adding group "${child}" as a child of "${parent}" makes a loop`, { loc });
    }
    p.children.push(child);
    c.parents.push(parent);
  }

  /** True when `maybe` is below `group` (any depth). */
  isDescendant(group: string, maybe: string): boolean {
    const seen = new Set<string>();
    const stack = [...(this.groups.get(group)?.children ?? [])];
    while (stack.length) {
      const g = stack.pop()!;
      if (g === maybe) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...(this.groups.get(g)?.children ?? []));
    }
    return false;
  }

  /**
   * Group rules from kplay.yml, applied before reconcile (Kubespray's dynamic_groups, done at load
   * time so that group_vars, --list-hosts and validation see the final groups): an alias's hosts
   * join the canonical group (`kube-master` → `kube_control_plane`), and a computed group that the
   * inventory leaves empty is the union of its member groups (`k8s_cluster`).
   */
  applyGroupRules(rules: GroupRules): void {
    for (const [alias, canonical] of Object.entries(rules.aliases ?? {})) {
      if (this.groups.has(alias)) this.addChild(canonical, alias);
    }
    for (const [group, members] of Object.entries(rules.computed ?? {})) {
      const g = this.addGroup(group);
      if ((g.hosts.length > 0 || g.children.some((c) => this.groups.get(c)?.hosts.length || this.groups.get(c)?.children.length))) continue;
      for (const m of members) if (this.groups.has(m) && m !== group) this.addChild(group, m);
    }
  }

  /**
   * Ansible's reconcile step, run once after every source is read: groups without a parent hang
   * under `all`; hosts in no group but `all` go to `ungrouped` (and leave it if they joined a group).
   */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    const grouped = new Set<string>();
    for (const g of this.groups.values()) {
      if (g.name === 'all' || g.name === 'ungrouped') continue;
      for (const h of g.hosts) grouped.add(h);
    }
    ungrouped.hosts = ungrouped.hosts.filter((h) => !grouped.has(h));
    for (const h of all.hosts) if (!grouped.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
    for (const h of this.hosts.keys()) if (!grouped.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
    all.hosts = [];
  }
}

function recordLoc(target: { varLocs?: Map<string, SourceLoc> }, key: string, loc: SourceLoc | undefined): void {
  if (loc) (target.varLocs ??= new Map()).set(key, loc);
  else target.varLocs?.delete(key);
}
