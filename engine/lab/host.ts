/**
 * One lab host: an overlay on the shared image, its own identity (hostname, machine-id, ssh host
 * key, authorized keys), and systemd-nspawn --boot with exactly the flags docs/lab.md lists,
 * in its own cgroup. Stopping is bounded: SIGTERM (nspawn asks systemd to halt), then SIGKILL of
 * everything left in the host's cgroup.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import * as n from './names.ts';
import { isMounted, removeTree } from './mounts.ts';
import { LabError, run } from './run.ts';

export interface HostSpec {
  lab: string;
  k: number;
  i: number;
  dir: string;
  lowerdir: string;
  /** All hosts of the lab (name, address), written to /etc/hosts so hosts know each other by name. */
  peers: readonly { name: string; address: string }[];
  authorizedKey: string;
}

/** The image's users (uid/gid fixed by the customisation script) that accept the lab key. */
const KEY_USERS = [
  { home: '/root', uid: 0 },
  { home: '/home/kplay', uid: 1000 },
  { home: '/home/kplaypw', uid: 1001 },
];

/** Mounts the overlay and writes the host's identity; returns the host's public ssh key line. */
export async function prepareHost(h: HostSpec): Promise<string> {
  const f = n.hostFiles(h.dir, h.i);
  const name = n.hostName(h.lab, h.i);
  for (const d of [f.upper, f.work, f.merged]) mkdirSync(d, { recursive: true });
  await run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${h.lowerdir},upperdir=${f.upper},workdir=${f.work}`, f.merged]);
  const etc = join(f.merged, 'etc');
  writeFileSync(join(etc, 'hostname'), `${name}\n`);
  writeFileSync(join(etc, 'machine-id'), `${randomBytes(16).toString('hex')}\n`);
  const peers = h.peers.map((p) => `${p.address}\t${p.name}`).join('\n');
  writeFileSync(join(etc, 'hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${name}\n::1\tlocalhost ip6-localhost ip6-loopback\n\n# kplay lab ${h.lab}\n${peers}\n`);
  const hostKey = join(etc, 'ssh', 'ssh_host_ed25519_key');
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${name}`, '-f', hostKey]);
  for (const u of KEY_USERS) {
    const ssh = join(f.merged, u.home, '.ssh');
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    const ak = join(ssh, 'authorized_keys');
    writeFileSync(ak, `${h.authorizedKey.trim()}\n`, { mode: 0o600 });
    chmodSync(ak, 0o600);
    chownSync(ak, u.uid, u.uid);
    chownSync(ssh, u.uid, u.uid);
  }
  return readFileSync(`${hostKey}.pub`, 'utf8').trim();
}

export function nspawnArgv(h: { lab: string; i: number; dir: string }): string[] {
  const name = n.hostName(h.lab, h.i);
  return [
    'systemd-nspawn', '-q', '-D', n.hostFiles(h.dir, h.i).merged, '--boot',
    '--register=no', '--keep-unit', `--machine=${name}`, `--hostname=${name}`,
    `--network-namespace-path=/run/netns/${n.hostNetns(h.lab, h.i)}`,
    '--capability=CAP_NET_ADMIN,CAP_NET_RAW', '--console=passive',
  ];
}

/**
 * Starts nspawn detached (it outlives `kplay lab up`) inside the host's own cgroups; returns its pid.
 * `privateCgroups`: the host's folders in the cgroup v1 controller hierarchies (a --kubernetes
 * lab), created by the caller; joined too, so that nspawn roots the host's cgroup namespace there.
 */
export function bootHost(h: { lab: string; i: number; dir: string; privateCgroups?: readonly string[] }): number {
  const f = n.hostFiles(h.dir, h.i);
  const own = n.cgroupRoots().map((r) => n.cgroupOf(r, h.lab, h.i));
  for (const cg of own) mkdirSync(cg, { recursive: true });
  const cgroups = [...own, ...(h.privateCgroups ?? [])];
  const logFd = openSync(f.log, 'a');
  // The shell joins the cgroups first, so nspawn and everything it starts are born inside them.
  const script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ >"$1/cgroup.procs"; shift; n=$((n - 1)); done; exec "$@"';
  const child = spawn('sh', ['-c', script, 'kplay-lab-boot', String(cgroups.length), ...cgroups, ...nspawnArgv(h)], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' },
  });
  closeSync(logFd);
  child.unref();
  if (child.pid === undefined) throw new LabError(`cannot start systemd-nspawn for ${n.hostName(h.lab, h.i)}`);
  writeFileSync(f.pid, `${child.pid}\n`);
  return child.pid;
}

/** Resolves when sshd on address:22 sends its banner; fails when the host dies or the time is up. */
export async function waitForSsh(address: string, pid: number, logPath: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await sshBanner(address)) return;
    if (!alive(pid)) {
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').slice(-15).join('\n') : '';
      throw new LabError(`lab host ${address} died while booting (systemd-nspawn pid ${pid}); last lines of ${logPath}:\n${log}`);
    }
    await sleep(50);
  }
  throw new LabError(`lab host ${address}: sshd did not answer within ${timeoutMs / 1000} s`);
}

function sshBanner(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: address, port: 22, timeout: 1000 });
    let data = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.on('data', (b: Buffer) => {
      data += b.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-'));
    });
    sock.on('timeout', () => done(false));
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids in a cgroup and all its children. */
function cgroupPids(cg: string): number[] {
  if (!existsSync(cg)) return [];
  const out: number[] = [];
  const walk = (d: string) => {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) out.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {
      // the cgroup vanished while we walked it
    }
  };
  walk(cg);
  return out;
}

function removeCgroup(cg: string): void {
  if (!existsSync(cg)) return;
  for (const e of readdirSync(cg, { withFileTypes: true })) if (e.isDirectory()) removeCgroup(join(cg, e.name));
  try {
    rmdirSync(cg);
  } catch {
    // still busy: reported by the caller's check
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** The pid file's pid, if that process is alive and really this host's nspawn (pids get reused). */
export function hostPid(lab: string, i: number, dir: string): number | undefined {
  const f = n.hostFiles(dir, i);
  if (!existsSync(f.pid)) return undefined;
  const pid = Number(readFileSync(f.pid, 'utf8').trim());
  try {
    const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    return cg.includes(`/kplay/${lab}/h${i}`) && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface StopOptions {
  /** How long systemd gets to halt after SIGTERM before everything in the cgroup is killed. */
  graceMs?: number;
}

/** SIGTERM → halt: 10 s is plenty for an idle host (0.7–1.9 s measured). */
export const GRACE_MS = 10_000;

/**
 * Idempotent and bounded: stops the host, removes its cgroups, overlay, netns and files.
 * `privateCgroups`: the host's cgroup v1 folders of a --kubernetes lab, searched for processes
 * and removed like its own cgroups.
 */
export async function destroyHost(lab: string, i: number, dir: string, opts: StopOptions & { privateCgroups?: readonly string[] } = {}): Promise<void> {
  const cgroups = [...n.cgroupRoots().map((r) => n.cgroupOf(r, lab, i)), ...(opts.privateCgroups ?? [])];
  const pid = hostPid(lab, i, dir);
  if (pid !== undefined) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + (opts.graceMs ?? GRACE_MS);
    while (alive(pid) && Date.now() < deadline) await sleep(50);
  }
  for (let tries = 0; ; tries++) {
    const pids = cgroups.flatMap(cgroupPids);
    if (pids.length === 0) break;
    // 20 s: on a machine loaded far beyond its cores, the kernel can take seconds to reap a whole container
    if (tries > 400) throw new LabError(`lab ${lab} host h${i}: processes ${pids.join(' ')} survive SIGKILL`);
    for (const p of pids) signal(p, 'SIGKILL');
    await sleep(50);
  }
  // a cgroup whose last process just died can stay busy for a moment: retry, bounded
  for (let tries = 0; ; tries++) {
    for (const cg of cgroups) removeCgroup(cg);
    const left = cgroups.filter((cg) => existsSync(cg));
    if (left.length === 0) break;
    if (tries > 100) throw new LabError(`lab ${lab} host h${i}: cannot remove cgroups ${left.join(' ')}`);
    await sleep(50);
  }
  const f = n.hostFiles(dir, i);
  if (isMounted(f.merged)) await run(['umount', f.merged], { allowFail: true });
  await removeTree(f.base);
}
