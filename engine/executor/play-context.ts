/** State shared by everything that runs inside one play. */
import type PQueue from 'p-queue';
import type { Handler, Include, Item, Play, RoleApplication, RoleRef, Vars } from '../playbook/model.ts';
import type { RunEvent } from '../report/events.ts';
import type { ConnectionPool } from './connections.ts';
import type { HostState } from './host-state.ts';
import type { HostLedger } from './ledger.ts';
import type { InventoryView } from './inventory-view.ts';
import type { RunOptions } from './options.ts';
import { resolveVars } from '../vars/precedence.ts';

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
  /** Shared promises for ModuleContext.once, per task. */
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
 * hostvars: every inventory host's variables, computed on access (never copied per task: with 100
 * hosts that copying dominated memory). One proxy per play; values are not cached, so a set_fact
 * is visible at once.
 */
const hostvarsOf = new WeakMap<PlayContext, Vars>();
function hostvarsProxy(pc: PlayContext): Vars {
  let proxy = hostvarsOf.get(pc);
  if (proxy) return proxy;
  const known = new Set([...pc.inventory.hosts(), ...pc.playHosts]);
  const view = (key: string): Vars => {
    const h = pc.hosts.get(key);
    return {
      ...pc.inventory.hostVars(key),
      ...(h?.factsLayer ?? {}),
      ...(h?.facts ?? {}),
      inventory_hostname: key,
      inventory_hostname_short: key.split('.')[0],
      group_names: pc.inventory.groupNames(key),
    };
  };
  proxy = new Proxy({} as Vars, {
    get: (_t, key) => (typeof key === 'string' && known.has(key) ? view(key) : undefined),
    has: (_t, key) => typeof key === 'string' && known.has(key),
    ownKeys: () => [...known],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && known.has(key) ? { enumerable: true, configurable: true } : undefined,
  });
  hostvarsOf.set(pc, proxy);
  return proxy;
}

/** All variables of a host for a task. Computed per task; layers are plain object spreads. */
export function varsFor(pc: PlayContext, host: string, scope: Scope, role: RoleRef | undefined, taskVars: Vars): Vars {
  const h = hostState(pc, host);
  const roleDefaults = pc.roles.filter((r) => r.ref.app !== role?.app).map((r) => r.defaults);
  const current = role ? pc.roles[role.app] : undefined;
  if (current) roleDefaults.push(current.defaults);
  const groups = pc.inventory.groups();
  return resolveVars({
    roleDefaults,
    inventory: pc.inventory.hostVars(host),
    facts: h.factsLayer,
    play: { ...pc.play.varsFromFiles, ...pc.play.vars },
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
      // the controller PKI directory of this run (kplay.yml pki_dir, default <inventory>/pki), for roles
      kplay_pki_dir: pc.options.pkiDir,
      ...(role ? { role_path: role.path, role_name: role.name } : {}),
      omit: OMIT,
    },
  });
}

/** Ansible's `omit` placeholder: an argument rendered to it is dropped. */
export const OMIT = '__kplay_omit_placeholder__';
