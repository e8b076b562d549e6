/**
 * kplay.yml: found beside the playbook or in the current directory. Environment variables
 * override it and command-line flags override both (docs/config.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KplayError } from './errors.ts';
import { parseYamlOrThrow } from './load/yaml.ts';

export interface KplayConfig {
  forks?: number;
  roles_path?: string[];
  inventory?: string[];
  remote_user?: string;
  private_key_file?: string;
  become?: boolean;
  become_user?: string;
  become_method?: 'sudo' | 'su';
  host_key_checking?: 'strict' | 'accept-new' | false;
  timeout?: number;
  strategy?: 'linear' | 'free';
  pki_dir?: string;
  cache_dir?: string;
  /** Seconds an SSH connection is kept open for the next run (0: off); like Ansible's ControlPersist. */
  ssh_persist?: number;
  /** Inventory groups that stand for another (Kubespray's legacy `kube-master` → `kube_control_plane`). */
  group_aliases?: Record<string, string>;
  /** Groups that, when the inventory leaves them empty, are the union of other groups (`k8s_cluster`). */
  computed_groups?: Record<string, string[]>;
  /** Where the file was found; relative paths in it are relative to its directory. */
  file?: string;
}

const KEYS = ['forks', 'roles_path', 'inventory', 'remote_user', 'private_key_file', 'become', 'become_user', 'become_method', 'host_key_checking', 'timeout', 'strategy', 'pki_dir', 'cache_dir', 'ssh_persist', 'group_aliases', 'computed_groups'];

export function findConfig(playbook: string | undefined, cwd = process.cwd()): string | undefined {
  const candidates = [...(playbook ? [join(dirname(resolve(playbook)), 'kplay.yml')] : []), join(cwd, 'kplay.yml')];
  return candidates.find((c) => existsSync(c));
}

function list(v: unknown, base: string): string[] {
  const items = Array.isArray(v) ? v.map(String) : String(v).split(':').filter(Boolean);
  return items.map((p) => resolve(base, p));
}

function hostKeyChecking(v: unknown): KplayConfig['host_key_checking'] {
  if (v === false || v === 'false' || v === 'no' || v === '0') return false;
  if (v === 'accept-new') return 'accept-new';
  if (v === true || v === 'true' || v === 'yes' || v === 'strict' || v === '1') return 'strict';
  throw new KplayError('KPLAY_OPTIONS', `host_key_checking must be true, false or accept-new, not ${JSON.stringify(v)}`);
}

/**
 * A "seconds, 0: off" setting (ssh_persist, KPLAY_SSH_PERSIST, kplay_ssh_persist): undefined when
 * unset, false is 0, anything but a number ≥ 0 an error naming the setting.
 */
export function offOrSeconds(v: unknown, what: string, code: 'KPLAY_OPTIONS' | 'KPLAY_INVENTORY' = 'KPLAY_OPTIONS'): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === false) return 0;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new KplayError(code, `${what} must be a number of seconds (0: off), not ${JSON.stringify(v)}`);
  return n;
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new KplayError('KPLAY_OPTIONS', `${what} must map group names to group names`);
  }
  return v as Record<string, string>;
}

function groupLists(v: unknown, what: string): Record<string, string[]> {
  if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => !Array.isArray(x) || x.some((y) => typeof y !== 'string'))) {
    throw new KplayError('KPLAY_OPTIONS', `${what} must map group names to lists of group names`);
  }
  return v as Record<string, string[]>;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 'yes' || v === '1';
}

export function loadConfig(playbook: string | undefined, env: NodeJS.ProcessEnv = process.env): KplayConfig {
  const file = findConfig(playbook);
  const cfg: KplayConfig = {};
  if (file) {
    const raw = parseYamlOrThrow(readFileSync(file, 'utf8'), file) as Record<string, unknown> | null;
    const base = dirname(file);
    cfg.file = file;
    for (const [k, v] of Object.entries(raw ?? {})) {
      if (!KEYS.includes(k)) throw new KplayError('KPLAY_OPTIONS', `${file}: unknown setting '${k}'`, { hint: `known settings: ${KEYS.join(', ')}` });
      if (k === 'roles_path' || k === 'inventory') cfg[k] = list(v, base);
      else if (k === 'pki_dir' || k === 'cache_dir' || k === 'private_key_file') cfg[k] = resolve(base, String(v));
      else if (k === 'host_key_checking') cfg.host_key_checking = hostKeyChecking(v);
      else if (k === 'become') cfg.become = bool(v);
      else if (k === 'forks' || k === 'timeout') cfg[k] = Number(v);
      else if (k === 'ssh_persist') cfg.ssh_persist = offOrSeconds(v, `${file}: ssh_persist`);
      else if (k === 'group_aliases') cfg.group_aliases = stringMap(v, `${file}: group_aliases`);
      else if (k === 'computed_groups') cfg.computed_groups = groupLists(v, `${file}: computed_groups`);
      else (cfg as Record<string, unknown>)[k] = v;
    }
  }
  const e = (name: string) => env[`KPLAY_${name}`];
  if (e('FORKS')) cfg.forks = Number(e('FORKS'));
  // roles_path from the file is searched before KPLAY_ROLES_PATH (roles/ beside the playbook comes first of all)
  if (e('ROLES_PATH')) cfg.roles_path = [...(cfg.roles_path ?? []), ...list(e('ROLES_PATH'), process.cwd())];
  if (e('INVENTORY')) cfg.inventory = list(e('INVENTORY'), process.cwd());
  if (e('REMOTE_USER')) cfg.remote_user = e('REMOTE_USER');
  if (e('PRIVATE_KEY_FILE')) cfg.private_key_file = resolve(e('PRIVATE_KEY_FILE')!);
  if (e('BECOME')) cfg.become = bool(e('BECOME'));
  if (e('BECOME_USER')) cfg.become_user = e('BECOME_USER');
  if (e('HOST_KEY_CHECKING')) cfg.host_key_checking = hostKeyChecking(e('HOST_KEY_CHECKING'));
  if (e('TIMEOUT')) cfg.timeout = Number(e('TIMEOUT'));
  if (e('STRATEGY')) cfg.strategy = e('STRATEGY') as 'linear' | 'free';
  if (e('PKI_DIR')) cfg.pki_dir = resolve(e('PKI_DIR')!);
  if (e('SSH_PERSIST')) cfg.ssh_persist = offOrSeconds(e('SSH_PERSIST'), 'KPLAY_SSH_PERSIST');
  if (cfg.forks !== undefined && !(Number.isInteger(cfg.forks) && cfg.forks > 0)) throw new KplayError('KPLAY_OPTIONS', `forks must be a positive integer`);
  return cfg;
}
