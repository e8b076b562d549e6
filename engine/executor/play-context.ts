/** State shared by everything that runs inside one play. */
import type PQueue from 'p-queue';
import type { Handler, Include, Item, Play, RoleApplication, RoleRef, Vars } from '../playbook/model.ts';
import type { RunEvent } from '../report/events.ts';
import type { ConnectionPool } from './connections.ts';
import type { HostState } from './host-state.ts';
import type { HostLedger } from './ledger.ts';
import type { InventoryView } from './inventory-view.ts';
import type { RunOptions } from './options.ts';
import { resolveVars, winningLayer, type VarLayers } from '../vars/precedence.ts';
import { DATA_KEYS, dataKeysOf, type KeySet } from '../template/lazy-vars.ts';
import { keyLoc } from '../load/yaml-positions.ts';
import type { SourceLoc } from '../errors.ts';
import { KNOWN_AFTER_APPLY } from './known-after-apply.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventInput = DistributiveOmit<RunEvent, 'time'>;

export interface PlayContext {
  play: Play;
  options: RunOptions;
  inventory: InventoryView;
  hosts: Map<string, HostState>;
  /** Hosts of this play (ansible_play_hosts_all) and of the current serial batch. */
  playHosts: string[];
  batch: string[];
  /** Role applications: the play's, plus those include_role adds at run time. */
  roles: RoleApplication[];
  handlers: Handler[];
  connections: ConnectionPool;
  /** Bounds concurrent host work to `forks`. */
  forks: PQueue;
  emit(e: EventInput): void;
  /** Registers a value that must never appear in any output. */
  addSecret(value: unknown): void;
  /** Shared promises for ReadContext.once, per task. */
  onceCaches: Map<string, Map<string, Promise<unknown>>>;
  /** Set by meta: end_play or any_errors_fatal. */
  ended: boolean;
  /** --start-at-task: true until the named task is reached. */
  skippingToStart: boolean;
  /** Directory of the play's playbook. */
  playbookDir: string;
  loader: DynamicLoader;
  /** Controller files planned by earlier tasks of the run (cert's PKI files), shared by all hosts. */
  controllerLedger: HostLedger;
}

/** Loads what include_tasks / include_role name at run time (engine/load implements it). */
export interface DynamicLoader {
  taskFile(path: string, caller: Include): Item[];
  /** appIndex: the index the new application will have in PlayContext.roles. */
  role(name: string, caller: Include, appIndex: number): { application: RoleApplication; dependencies: RoleApplication[]; items: Item[]; handlers: Handler[] };
}

/** Scope handed down through blocks and includes. */
export interface Scope {
  vars: Vars[];
}

export function hostState(pc: PlayContext, host: string): HostState {
  const h = pc.hosts.get(host);
  if (!h) throw new Error(`internal: no state for host ${host}`);
  return h;
}

/**
 * hostvars: every inventory host's variables. hostvars[h] is one read-through view per host and
 * play: nothing is copied on access. A template that walks hostvars for every host (a peers list)
 * runs on every host, so copying each host's vars per access made N² copies per task (at 100 hosts
 * most of the controller's allocation). Reads go to the live layers, so a set_fact is visible at once.
 */
const hostvarsOf = new WeakMap<PlayContext, Vars>();
function hostvarsProxy(pc: PlayContext): Vars {
  let proxy = hostvarsOf.get(pc);
  if (proxy) return proxy;
  const known = new Set([...pc.inventory.hosts(), ...pc.playHosts]);
  const views = new Map<string, Vars>();
  const view = (key: string): Vars => {
    let v = views.get(key);
    if (!v) views.set(key, (v = hostView(pc, key)));
    return v;
  };
  proxy = new Proxy({} as Vars, {
    get: (_t, key) => (typeof key === 'string' && known.has(key) ? view(key) : undefined),
    has: (_t, key) => typeof key === 'string' && known.has(key),
    ownKeys: () => [...known],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && known.has(key) ? { value: view(key), writable: false, enumerable: true, configurable: true } : undefined,
  });
  hostvarsOf.set(pc, proxy);
  return proxy;
}

/** One host's variables as hostvars shows them, highest first: magic, set_fact/register, facts, inventory. */
function hostView(pc: PlayContext, host: string): Vars {
  const inventory = (): Vars => pc.inventory.hostVars(host);
  const magic: Vars = { inventory_hostname: host, inventory_hostname_short: host.split('.')[0], group_names: pc.inventory.groupNames(host) };
  // readable but not listed, so that hostvars[h] serialises as the host's own variables
  const hidden: Vars = {
    kplay_var_origin: originView((name) => {
      const h = pc.hosts.get(host);
      if (h && Object.hasOwn(h.facts, name)) return 'set_fact or register';
      if (h && Object.hasOwn(h.factsLayer, name)) return 'the gathered facts';
      return Object.hasOwn(inventory(), name) ? inventoryOrigin(pc, host, name) : undefined;
    }),
  };
  // pc.hosts is read per access: a host's state may be created later (delegate_facts) and its facts change
  const find = (key: string): Vars | undefined => {
    if (Object.hasOwn(magic, key)) return magic;
    if (Object.hasOwn(hidden, key)) return hidden;
    const h = pc.hosts.get(host);
    if (h && Object.hasOwn(h.facts, key)) return h.facts;
    if (h && Object.hasOwn(h.factsLayer, key)) return h.factsLayer;
    return Object.hasOwn(inventory(), key) ? inventory() : undefined;
  };
  const layers = (): Vars[] => {
    const h = pc.hosts.get(host);
    return [inventory(), ...(h ? [h.factsLayer, h.facts] : []), magic];
  };
  // taint: what the host's set_fact/register store holds as data, its gathered facts and the magic vars
  const dataKeys: KeySet = {
    has: (key) => {
      const layer = find(key);
      const h = pc.hosts.get(host);
      return layer === magic || layer === hidden || (h !== undefined && layer === h.factsLayer) || (h !== undefined && layer === h.facts && dataKeysOf(h.facts)?.has(key) === true);
    },
  };
  return new Proxy({} as Vars, {
    // what no layer has falls back to the target, like a plain object's (toString, Symbol.toPrimitive)
    get: (target, key, receiver) => {
      if (key === DATA_KEYS) return dataKeys;
      const layer = typeof key === 'string' ? find(key) : undefined;
      return layer ? layer[key as string] : Reflect.get(target, key, receiver);
    },
    has: (_t, key) => typeof key === 'string' && find(key) !== undefined,
    ownKeys: () => [...new Set(layers().flatMap((l) => Object.keys(l)))],
    getOwnPropertyDescriptor: (_t, key) => {
      const layer = typeof key === 'string' ? find(key) : undefined;
      return layer ? { value: layer[key as string], writable: false, enumerable: true, configurable: true } : undefined;
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

/** All variables of a host for a task. Computed per task; layers are plain object spreads. */
export function varsFor(pc: PlayContext, host: string, scope: Scope, role: RoleRef | undefined, taskVars: Vars): Vars {
  const h = hostState(pc, host);
  const roleDefaults = pc.roles.filter((r) => r.ref.app !== role?.app).map((r) => r.defaults);
  const current = role ? pc.roles[role.app] : undefined;
  if (current) roleDefaults.push(current.defaults);
  const groups = pc.inventory.groups();
  const play: Vars = { ...pc.play.varsFromFiles, ...pc.play.vars };
  const layers: VarLayers = {
    roleDefaults,
    inventory: pc.inventory.hostVars(host),
    facts: h.factsLayer,
    play,
    roleVars: current ? [current.vars, current.params] : [],
    scope: [...scope.vars, taskVars],
    hostFacts: h.facts,
    extra: pc.options.extraVars,
    magic: {
      inventory_hostname: host,
      inventory_hostname_short: host.split('.')[0],
      groups,
      group_names: pc.inventory.groupNames(host),
      hostvars: hostvarsProxy(pc),
      ansible_play_hosts: pc.playHosts.filter((n) => hostState(pc, n).alive),
      ansible_play_hosts_all: pc.playHosts,
      ansible_play_batch: pc.batch.filter((n) => hostState(pc, n).alive),
      ansible_check_mode: pc.options.check,
      ansible_diff_mode: pc.options.diff,
      ansible_verbosity: pc.options.verbosity,
      ansible_run_tags: pc.options.tags.length ? pc.options.tags : ['all'],
      ansible_skip_tags: pc.options.skipTags,
      playbook_dir: pc.playbookDir,
      // Ansible's inventory_dir: the first inventory source's directory (Kubespray's credentials_dir is under it)
      inventory_dir: pc.options.inventoryDir,
      // the controller PKI directory of this run (kplay.yml pki_dir, default <inventory>/pki), for roles
      kplay_pki_dir: pc.options.pkiDir,
      kplay_var_origin: originView((name) => originOf(pc, host, layers, name)),
      ...(role ? { role_path: role.path, role_name: role.name } : {}),
      omit: OMIT,
      kplay_known_after_apply: KNOWN_AFTER_APPLY,
    },
  };
  return resolveVars(layers);
}

/**
 * kplay_var_origin's answer: the layer resolveVars takes the host's value from (the same order, by
 * construction), said as the user knows it, with FILE:LINE where the layer came from a file.
 */
function originOf(pc: PlayContext, host: string, layers: VarLayers, name: string): string | undefined {
  const win = winningLayer(layers, name);
  if (!win) return undefined;
  const at = (label: string, layer: Vars): string => withLoc(label, keyLoc(layer, name));
  const roleOf = (layer: Vars) => pc.roles.find((r) => r.defaults === layer || r.vars === layer || r.params === layer);
  switch (win.from) {
    case 'extra':
      return 'extra vars (-e)';
    case 'hostFacts':
      return 'set_fact or register';
    case 'scope':
      return at('task or block vars', win.layer);
    case 'roleVars': {
      const r = roleOf(win.layer);
      return win.layer === r?.params ? `the parameters of role ${r.ref.name}` : at(`the vars of role ${r?.ref.name ?? '?'}`, win.layer);
    }
    case 'play':
      return Object.hasOwn(pc.play.vars, name) ? at('play vars', pc.play.vars) : at('vars_files', pc.play.varsFromFiles);
    case 'facts':
      return 'the gathered facts';
    case 'inventory':
      return inventoryOrigin(pc, host, name);
    case 'roleDefaults':
      return at(`the default of role ${roleOf(win.layer)?.ref.name ?? '?'}`, win.layer);
    case 'magic':
      return undefined;
  }
}

/**
 * kplay_var_origin: `kplay_var_origin.kube_pods_subnet` says where the host's value of a variable
 * comes from, for messages that send the user to the right file: "FILE:LINE" for an inventory
 * layer (the key that wins, Inventory.varOrigin), "the default of role R (FILE:LINE)", "extra vars
 * (-e)", … Only defined variables are keys; nothing is listed (ownKeys is empty), so dumping the
 * variables shows it as {}. Controller data, never a template.
 */
function originView(find: (name: string) => string | undefined): Vars {
  const cache = new Map<string, string | undefined>();
  const get = (name: string): string | undefined => {
    if (!cache.has(name)) cache.set(name, find(name));
    return cache.get(name);
  };
  return new Proxy({} as Vars, {
    get: (target, key, receiver) => (typeof key === 'string' && key !== 'toJSON' ? (get(key) ?? Reflect.get(target, key, receiver)) : Reflect.get(target, key, receiver)),
    has: (_t, key) => typeof key === 'string' && get(key) !== undefined,
    ownKeys: () => [],
    getOwnPropertyDescriptor: (_t, key) => {
      const v = typeof key === 'string' ? get(key) : undefined;
      return v === undefined ? undefined : { value: v, writable: false, enumerable: false, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

function inventoryOrigin(pc: PlayContext, host: string, name: string): string {
  const loc = pc.inventory.varOrigin?.(host, name);
  return loc ? `${loc.file}:${loc.line}` : 'the inventory';
}

function withLoc(label: string, loc: SourceLoc | undefined): string {
  return loc ? `${label} (${loc.file}:${loc.line})` : label;
}

/** Ansible's `omit` placeholder: an argument rendered to it is dropped. */
export const OMIT = '__kplay_omit_placeholder__';
