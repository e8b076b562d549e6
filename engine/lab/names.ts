/**
 * Every name and path a lab uses, derived from the lab name, its subnet number K and the host
 * index. One place, so setup and teardown can never disagree about what to remove.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './run.ts';

export const RUN_ROOT = '/run/kplay';
export const REGISTRY_DIR = join(RUN_ROOT, 'registry');
export const REGISTRY_LOCK = join(RUN_ROOT, 'registry.lock');
export const CACHE_DIR = '/var/cache/kplay';

/**
 * The cgroup hierarchies a host gets its own group in: on a hybrid (v1) machine the named systemd
 * hierarchy and the unified one, on a pure cgroup v2 machine the root itself.
 */
export function cgroupRoots(): string[] {
  const hybrid = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'].filter((d) => existsSync(join(d, 'cgroup.procs')));
  if (hybrid.length) return hybrid;
  return existsSync('/sys/fs/cgroup/cgroup.procs') ? ['/sys/fs/cgroup'] : [];
}

/** Lab names go into hostnames, netns names and cgroup paths: keep them short and plain. */
export function checkLabName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(name)) {
    throw new LabError(`bad lab name ${JSON.stringify(name)}: use 1-24 characters a-z, 0-9 and '-', starting with a letter or digit`);
  }
  return name;
}

export function defaultLabDir(name: string): string {
  return join(RUN_ROOT, 'labs', name);
}

export const subnetOf = (k: number) => `198.18.${k}.0/24`;
export const bridgeAddress = (k: number) => `198.18.${k}.1`;
export const controllerAddress = (k: number) => `198.18.${k}.254`;
/** Host i is 1-based: 198.18.K.11, .12, … */
export const hostAddress = (k: number, i: number) => `198.18.${k}.${10 + i}`;
export const MAX_HOSTS = 243; // .11 … .253; .254 is the controller

export const hostName = (lab: string, i: number) => `kplay-${lab}-h${i}`;
export const hostNetns = (lab: string, i: number) => `kplay-${lab}-h${i}`;
export const bridgeNetns = (lab: string) => `kplay-${lab}-br`;
/** Interface names have a 15-byte limit, so they use K and i, not the lab name. */
export const hostVeth = (k: number, i: number) => `kp${k}h${i}`;
export const controllerVeth = (k: number) => `kp${k}c`;
export const controllerPeerVeth = (k: number) => `kp${k}u`;

export const cgroupOf = (root: string, lab: string, i: number) => join(root, 'kplay', lab, `h${i}`);
export const labCgroup = (root: string, lab: string) => join(root, 'kplay', lab);

/** Files in a lab directory. */
export function labFiles(dir: string) {
  return {
    dir,
    state: join(dir, 'lab.json'),
    key: join(dir, 'id_ed25519'),
    knownHosts: join(dir, 'known_hosts'),
    inventory: join(dir, 'inventory.ini'),
    hostsDir: join(dir, 'hosts'),
  };
}

export function hostFiles(dir: string, i: number) {
  const base = join(dir, 'hosts', `h${i}`);
  return {
    base,
    upper: join(base, 'upper'),
    work: join(base, 'work'),
    merged: join(base, 'root'),
    pid: join(base, 'nspawn.pid'),
    log: join(base, 'nspawn.log'),
  };
}
