/**
 * The inventory: hosts, groups, host patterns and the inventory layers of host variables.
 * `Inventory.load(['inventory/'])` reads every source (INI, YAML, directories, host lists),
 * then the group_vars/ and host_vars/ beside each source and beside the playbook, and throws
 * KplayErrors (each located) when anything is wrong. Everything after load is in memory.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { didYouMean, KplayError, KplayErrors, type SourceLoc } from '../errors.ts';
import type { Vars } from '../playbook/model.ts';
import { InventoryData, type GroupRules } from './data.ts';
import { LOCALHOST_NAMES, matchPattern, splitPattern, type PatternTarget } from './patterns.ts';
import { groupDepths, mergeGroupVars, mergeHostVars, sortGroups, varOrigin, type VarDirs } from './precedence.ts';
import { readSource } from './sources.ts';
import { VarFileCache } from './var-files.ts';
import { inventoryGraph, inventoryList } from './views.ts';

export { LOCALHOST_NAMES } from './patterns.ts';

export interface InventoryLoadOptions {
  /** The playbook's directory: its group_vars/ and host_vars/ rank above the inventory's. */
  playbookDir?: string;
  /** Base for relative sources; default process.cwd(). */
  cwd?: string;
  /** Group aliases and computed groups (kplay.yml), applied after every source is read. */
  groupRules?: GroupRules;
}

export class Inventory implements PatternTarget {
  private readonly hostList: string[];
  private readonly groupMembers = new Map<string, string[]>();
  private readonly membership = new Map<string, string[]>();
  private readonly depths: Map<string, number>;
  private readonly varsCache = new Map<string, Vars>();
  private readonly groupVarsCache = new Map<string, Vars>();
  private groupsView?: Record<string, string[]>;

  private constructor(
    private readonly data: InventoryData,
    private readonly dirs: VarDirs,
    private readonly files: VarFileCache,
  ) {
    this.hostList = [...data.hosts.values()].sort((a, b) => a.order - b.order).map((h) => h.name);
    this.depths = groupDepths(data);
    for (const name of data.groups.keys()) this.groupMembers.set(name, this.collectHosts(name));
    for (const [group, hosts] of this.groupMembers) {
      if (group === 'all') continue;
      for (const h of hosts) {
        const list = this.membership.get(h) ?? [];
        list.push(group);
        this.membership.set(h, list);
      }
    }
  }

  /** Read inventory sources (files, directories, `a,b,` host lists). Throws KplayErrors listing every problem. */
  static load(sources: string[], opts: InventoryLoadOptions = {}): Inventory {
    const cwd = opts.cwd ?? process.cwd();
    const data = new InventoryData();
    const errors: KplayError[] = [];
    const inventoryDirs: string[] = [];
    for (const source of sources) {
      const read = readSource(source, data, cwd);
      errors.push(...read.errors);
      if (read.varsDir && !inventoryDirs.includes(read.varsDir)) inventoryDirs.push(read.varsDir);
    }
    if (errors.length === 0) {
      try {
        if (opts.groupRules) data.applyGroupRules(opts.groupRules);
        data.reconcile();
      } catch (err) {
        if (err instanceof KplayError) errors.push(err);
        else throw err;
      }
    }
    const playbookDir = opts.playbookDir ? resolve(cwd, opts.playbookDir) : undefined;
    const dirs: VarDirs = {
      inventory: inventoryDirs,
      playbook: playbookDir && !inventoryDirs.includes(playbookDir) ? [playbookDir] : [],
    };
    const files = new VarFileCache();
    const inventory = new Inventory(data, dirs, files);
    if (errors.length === 0) {
      // Read every var file now, so a broken one fails the load rather than a task later.
      for (const h of [...inventory.hostList, ...LOCALHOST_NAMES]) inventory.hostVars(h);
      errors.push(...files.errors);
    }
    if (errors.length) throw new KplayErrors(errors);
    return inventory;
  }

  /**
   * The inventory directories, in -i order: a directory source itself, or the directory of a
   * file source (host lists have none). The first is Ansible's `inventory_dir` for the run.
   */
  inventoryDirs(): string[] {
    return [...this.dirs.inventory];
  }

  /** Problems that did not stop the load (undeclared child groups, unknown YAML keys). */
  get warnings(): readonly KplayError[] {
    return this.data.warnings;
  }

  /** Every inventory host, in inventory order (an implicit localhost is not included). */
  hosts(): string[] {
    return [...this.hostList];
  }

  hasHost(host: string): boolean {
    return this.data.hosts.has(host);
  }

  /**
   * Every group → its hosts (children included) in inventory order; has `all` and `ungrouped`.
   * The executor asks for this for every task and host, so it is built once and frozen
   * (the object and its arrays): copy before changing.
   */
  groups(): Record<string, string[]> {
    if (!this.groupsView) {
      const out: Record<string, string[]> = {};
      for (const [name, hosts] of this.groupMembers) out[name] = Object.freeze([...hosts]) as string[];
      this.groupsView = Object.freeze(out);
    }
    return this.groupsView;
  }

  /** Ansible's group_names: the host's groups, sorted, without `all`. */
  groupNames(host: string): string[] {
    return [...(this.membership.get(host) ?? [])].sort();
  }

  /** Hosts selected by a pattern, in inventory order; [] when nothing matches (the caller warns). */
  match(pattern: string): string[] {
    return matchPattern(this, pattern);
  }

  /**
   * `--limit`: like match, and a term `@file` reads host patterns from a file, one a line
   * (relative to cwd), as Ansible does with retry files.
   */
  limit(pattern: string, cwd = process.cwd()): string[] {
    const terms: string[] = [];
    for (const term of splitPattern(pattern)) {
      if (!term.startsWith('@')) {
        terms.push(term);
        continue;
      }
      const file = resolve(cwd, term.slice(1));
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new KplayError('KPLAY_FILE_NOT_FOUND', `limit file ${term.slice(1)} cannot be read`, { cause: err });
      }
      terms.push(...text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    }
    return terms.length ? matchPattern(this, terms.join(',')) : [];
  }

  /** True for a name the inventory lacks but a pattern can still reach as the controller. */
  isImplicitLocalhost(host: string): boolean {
    return !this.data.hosts.has(host) && LOCALHOST_NAMES.includes(host);
  }

  /**
   * The inventory layers of a host's variables, merged (see precedence.ts for the order).
   * Includes Ansible's inventory_file and inventory_dir. Computed once per host and frozen
   * (top level): the executor merges it into its own objects, so no copy is made here.
   */
  hostVars(host: string): Vars {
    return this.inventoryVars(host);
  }

  private inventoryVars(host: string): Vars {
    let vars = this.varsCache.get(host);
    if (vars) return vars;
    const h = this.data.hosts.get(host);
    if (h) {
      const own: Vars = h.source ? { inventory_file: h.source, inventory_dir: dirname(h.source), ...h.vars } : h.vars;
      vars = mergeHostVars(this.groupVars(this.groupNames(host)), { host, hostVars: own }, this.dirs, this.files);
    } else if (LOCALHOST_NAMES.includes(host)) {
      const own: Vars = { ansible_connection: 'local' };
      if (this.dirs.inventory[0]) own['inventory_dir'] = this.dirs.inventory[0];
      vars = mergeHostVars(this.groupVars([]), { host, hostVars: own }, this.dirs, this.files);
    } else {
      const guess = didYouMean(host, this.hostList);
      throw new KplayError('KPLAY_INVENTORY', `host "${host}" is not in the inventory`, { hint: guess ? `did you mean "${guess}"?` : undefined });
    }
    Object.freeze(vars);
    this.varsCache.set(host, vars);
    return vars;
  }

  /**
   * Where the host's inventory value of `name` is written: the key in the group_vars/host_vars
   * file (or the inline var's line in an inventory file) that wins for this host, by the order of
   * precedence.ts; undefined when no inventory layer sets it (or for an unknown host).
   */
  varOrigin(host: string, name: string): SourceLoc | undefined {
    const h = this.data.hosts.get(host);
    if (!h && !LOCALHOST_NAMES.includes(host)) return undefined;
    const groups = sortGroups(
      this.groupNames(host).map((g) => this.data.groups.get(g)!),
      this.depths,
    );
    const hostVars: Vars = h ? (h.source ? { inventory_file: h.source, inventory_dir: dirname(h.source), ...h.vars } : h.vars) : {};
    return varOrigin(name, { host, groups, all: this.data.groups.get('all')!, hostVars, hostLoc: h?.loc, hostVarLocs: h?.varLocs }, this.dirs, this.files);
  }

  /** `kplay inventory --host h`: the host's merged inventory vars. */
  hostJson(host: string): Vars {
    return this.hostVars(host);
  }

  /** `kplay inventory --list`, in the shape of `ansible-inventory --list`. */
  toList(): Record<string, unknown> {
    return inventoryList(this.data, (h) => this.hostJson(h), this.hostList);
  }

  /** `kplay inventory --graph`, in the shape of `ansible-inventory --graph`. */
  toGraph(group = 'all'): string {
    if (!this.data.groups.has(group)) {
      const guess = didYouMean(group, this.data.groups.keys());
      throw new KplayError('KPLAY_INVENTORY', `no group "${group}" in the inventory`, { hint: guess ? `did you mean "${guess}"?` : undefined });
    }
    return inventoryGraph(this.data, group);
  }

  // PatternTarget, for patterns.ts
  get hostOrder(): readonly string[] {
    return this.hostList;
  }
  isHost(name: string): boolean {
    return this.data.hosts.has(name);
  }
  groupHosts(name: string): readonly string[] | undefined {
    return this.groupMembers.get(name);
  }
  allGroupNames(): string[] {
    return [...this.data.groups.keys()];
  }

  /** Group layers for a set of groups (hosts in the same groups share them). */
  private groupVars(groupNames: string[]): Vars {
    const key = groupNames.join('\0');
    let vars = this.groupVarsCache.get(key);
    if (!vars) {
      const groups = sortGroups(
        groupNames.map((g) => this.data.groups.get(g)!),
        this.depths,
      );
      vars = mergeGroupVars(this.data.groups.get('all')!, groups, this.dirs, this.files);
      this.groupVarsCache.set(key, vars);
    }
    return vars;
  }

  /** Hosts of a group and of every group below it, in inventory order. */
  private collectHosts(group: string): string[] {
    if (group === 'all') return [...this.hostList];
    const members = new Set<string>();
    const seen = new Set<string>();
    const stack = [group];
    while (stack.length) {
      const g = this.data.groups.get(stack.pop()!);
      if (!g || seen.has(g.name)) continue;
      seen.add(g.name);
      for (const h of g.hosts) members.add(h);
      stack.push(...g.children);
    }
    return this.hostList.filter((h) => members.has(h));
  }
}
