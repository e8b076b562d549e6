/** Can this machine run a lab, and the machine-wide settings a lab needs. */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DEBIAN_KEYRING, imagePaths } from './image.ts';
import { cgroupRoots } from './names.ts';
import { mountsUnder } from './mounts.ts';
import { run } from './run.ts';

/** Debian packages the controller needs, by the command we run from each. */
export const REQUIRED_COMMANDS: Record<string, string> = {
  'systemd-nspawn': 'systemd-container',
  ip: 'iproute2',
  'ssh-keygen': 'openssh-client',
  tar: 'tar',
  zstd: 'zstd',
  flock: 'util-linux',
  mount: 'mount',
  chroot: 'coreutils',
  sysctl: 'procps',
};
/** Only needed while the image is not cached yet. */
export const BUILD_COMMANDS: Record<string, string> = { debootstrap: 'debootstrap' };

export function which(cmd: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type Support = { ok: true } | { ok: false; reason: string };

export function labSupported(cacheDir?: string): Support {
  if (process.platform !== 'linux') return { ok: false, reason: 'kplay lab needs Linux (systemd-nspawn, network namespaces)' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'kplay lab needs root (network namespaces, overlay mounts, systemd-nspawn): run it as root' };
  const mustBuild = !existsSync(imagePaths(cacheDir).tarball);
  const needed = { ...REQUIRED_COMMANDS, ...(mustBuild ? BUILD_COMMANDS : {}) };
  const missing = Object.entries(needed).filter(([cmd]) => !which(cmd));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    return { ok: false, reason: `kplay lab needs ${missing.map(([c]) => c).join(', ')}: apt-get install ${pkgs}` };
  }
  if (mustBuild && !existsSync(DEBIAN_KEYRING)) {
    return { ok: false, reason: `building the lab image needs ${DEBIAN_KEYRING}: apt-get install debian-archive-keyring` };
  }
  if (cgroupRoots().length === 0) return { ok: false, reason: 'kplay lab needs cgroups mounted under /sys/fs/cgroup' };
  return { ok: true };
}

const INOTIFY_MIN = { max_user_instances: 8192, max_user_watches: 1048576 };

/**
 * Raise inotify limits (every host's systemd needs instances: from ~22 hosts on nspawn fails with
 * "Too many open files") and give nspawn a tmpfs for /run/systemd/nspawn (it refuses to clean up
 * its propagation directory on a disk file system).
 */
export async function prepareMachine(): Promise<void> {
  for (const [key, min] of Object.entries(INOTIFY_MIN)) {
    const p = `/proc/sys/fs/inotify/${key}`;
    if (Number(readFileSync(p, 'utf8')) < min) writeFileSync(p, String(min));
  }
  const dir = '/run/systemd/nspawn';
  mkdirSync(dir, { recursive: true });
  if (!mountsUnder(dir).includes(dir)) await run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'kplay-nspawn', dir]);
}
