/**
 * `kplay lab up N --kubernetes`: lab hosts that can run a kubelet, containerd and pods, prepared
 * from the machine as ../shared/kubernetes-on-lab-hosts.md measured (never by a role: a role
 * writes what a production host needs, the lab makes its hosts look like one).
 *
 * - cgroup v1 delegation: each host gets a private folder under every cgroup v1 hierarchy of this
 *   machine (below this process's own cgroup there, so a host stays inside whatever limits the
 *   machine puts on us). The boot shell joins them before exec'ing systemd-nspawn, which starts
 *   the host in a cgroup namespace rooted there and mounts each hierarchy at that root, read-only.
 *   After boot we check, from the machine, that every v1 mount inside the host has exactly the
 *   host's private folder as its root, and only then make those mounts writable (a per-mount
 *   flag: the hierarchy above the folder stays out of reach). The folders go at `lab down`.
 * - /dev/kmsg (a link to /dev/console), the sysctls the kubelet insists on (vm.overcommit_memory,
 *   kernel.panic, kernel.panic_on_oops: small files bind-mounted over the read-only /proc/sys
 *   entries), and a tmpfs on /var/lib/containerd (overlayfs snapshots fail on the overlay root).
 * - the local images (pause, busybox) as OCI tarballs in HOST_IMAGE_DIR, and the inventory
 *   variables that point roles at them and at the Debian packages the image has.
 * All mounts live in the host's own mount namespace: they vanish with the host.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LabImages } from './oci.ts';
import { LabError, run } from './run.ts';

/** Where the lab puts its files on a host. */
export const HOST_LAB_DIR = '/var/lib/kplay-lab';
export const HOST_IMAGE_DIR = `${HOST_LAB_DIR}/images`;
const HOST_SYSCTL_DIR = `${HOST_LAB_DIR}/sysctl`;

/** What the kubelet reads (and writes when different) at start; read-only in a host otherwise. */
export const KUBELET_SYSCTLS: Readonly<Record<string, string>> = {
  'vm.overcommit_memory': '1',
  'kernel.panic': '10',
  'kernel.panic_on_oops': '1',
};

/** Written beside the lab's inventory.ini (group_vars/ beside an inventory file is loaded). */
export const GROUP_VARS_FILE = join('group_vars', 'all', 'lab-kubernetes.yml');

export interface V1Hierarchy {
  /** Mount point on this machine, e.g. /sys/fs/cgroup/memory. */
  mount: string;
  /** Its directory name, which is also where systemd-nspawn mounts it inside a host. */
  name: string;
  controllers: string[];
  /** This process's cgroup in it, relative to the hierarchy's root (e.g. /process_api/ab12). */
  own: string;
}

function decode(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

interface MountLine {
  root: string;
  mountPoint: string;
  fstype: string;
  superOptions: string[];
  device: string;
}

export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [left, right] = line.split(' - ');
    const l = (left ?? '').split(' ');
    const r = (right ?? '').split(' ');
    out.push({ device: l[2] ?? '', root: decode(l[3] ?? ''), mountPoint: decode(l[4] ?? ''), fstype: r[0] ?? '', superOptions: (r[2] ?? '').split(',') });
  }
  return out;
}

/** The controller names of a v1 cgroup mount's super options (not named hierarchies like name=systemd). */
const V1_OPTIONS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods']);
function controllersOf(opts: readonly string[]): string[] {
  return opts.filter((o) => !V1_OPTIONS.has(o) && !o.includes('='));
}

/** This machine's cgroup v1 controller hierarchies (none on a pure cgroup v2 machine). */
export function v1Hierarchies(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'), procCgroup = readFileSync('/proc/self/cgroup', 'utf8')): V1Hierarchy[] {
  const own = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m?.[1]) own.set([...m[1].split(',')].sort().join(','), m[2] ?? '/');
  }
  const seen = new Set<string>();
  const out: V1Hierarchy[] = [];
  for (const m of parseMountinfo(mountinfo)) {
    if (m.fstype !== 'cgroup') continue;
    const controllers = controllersOf(m.superOptions);
    if (controllers.length === 0 || seen.has(m.device)) continue;
    seen.add(m.device);
    const path = own.get([...controllers].sort().join(','));
    if (path === undefined) continue;
    // a mount of a sub-tree (not the case on a normal machine): our path relative to its root
    if (m.root !== '/' && !(path === m.root || path.startsWith(`${m.root}/`))) continue;
    out.push({ mount: m.mountPoint, name: basename(m.mountPoint), controllers, own: path });
  }
  return out;
}

/** The lab's folder in each v1 hierarchy (per host: `<that>/hI`). Stored in the lab's record. */
export function labCgroupDirs(lab: string, hierarchies = v1Hierarchies()): string[] {
  return hierarchies.map((h) => join(h.mount, h.own, 'kplay', lab));
}

export const hostCgroupDir = (labDir: string, i: number) => join(labDir, `h${i}`);

/** mkdir -p, giving every new cpuset level its parent's cpus and mems (a cpuset without them takes no process). */
export function makeCgroup(dir: string, tries = 10): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // another lab's teardown removed the shared `kplay` folder between our check and mkdir
      if (code === 'ENOENT' && tries > 0) return makeCgroup(dir, tries - 1);
      if (code !== 'EEXIST') throw e;
    }
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      const mine = join(d, f);
      if (existsSync(mine) && readFileSync(mine, 'utf8').trim() === '') writeFileSync(mine, readFileSync(join(dirname(d), f), 'utf8').trim());
    }
  }
}

/** Files the host needs before it boots: the sysctl values and the image tarballs, in its overlay. */
export function writeHostFiles(merged: string, images: LabImages): void {
  const sysctl = join(merged, HOST_SYSCTL_DIR);
  mkdirSync(sysctl, { recursive: true, mode: 0o755 });
  for (const [k, v] of Object.entries(KUBELET_SYSCTLS)) writeFileSync(join(sysctl, k), `${v}\n`);
  const dir = join(merged, HOST_IMAGE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const img of [images.pause, images.busybox]) copyFileSync(img.tarball, join(dir, img.file));
  // `lab down` halts the host: a container whose PID 1 ignores SIGTERM (pause: sleep) holds the
  // halt for systemd's 90 s default stop timeout, then is killed. Hosts are throwaway: 5 s.
  const conf = join(merged, 'etc/systemd/system.conf.d');
  mkdirSync(conf, { recursive: true, mode: 0o755 });
  writeFileSync(join(conf, 'kplay-lab-kubernetes.conf'), `# kplay lab --kubernetes: a bounded halt at \`kplay lab down\`\n[Manager]\n${STOP_TIMEOUT}\n`);
}

const STOP_TIMEOUT = 'DefaultTimeoutStopSec=5s';

/** The host's PID 1 (systemd): nspawn's only child. */
export function hostInitPid(nspawnPid: number): number {
  for (let tries = 0; tries < 100; tries++) {
    for (const t of readdirSync(`/proc/${nspawnPid}/task`)) {
      const kids = readFileSync(`/proc/${nspawnPid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      if (kids[0]) return Number(kids[0]);
    }
  }
  throw new LabError(`systemd-nspawn ${nspawnPid} has no child`);
}

/**
 * Makes the host's cgroup v1 mounts writable (after checking that each is rooted at the host's
 * private folder), links /dev/kmsg, bind-mounts the sysctl files, mounts the containerd tmpfs.
 */
export async function prepareRunningHost(opts: { nspawnPid: number; hierarchies: readonly V1Hierarchy[]; lab: string; i: number; name: string }): Promise<void> {
  const init = hostInitPid(opts.nspawnPid);
  const mounts = parseMountinfo(readFileSync(`/proc/${init}/mountinfo`, 'utf8'));
  const script: string[] = ['set -eu'];
  for (const h of opts.hierarchies) {
    const inside = `/sys/fs/cgroup/${h.name}`;
    const m = mounts.filter((x) => x.mountPoint === inside);
    const want = join(h.own, 'kplay', opts.lab, `h${opts.i}`);
    // the last mount on the path is the one the host sees; its root must be the host's own folder
    const top = m[m.length - 1];
    if (!top || top.fstype !== 'cgroup' || top.root !== want) {
      throw new LabError(`${opts.name}: ${inside} inside the host is ${top ? `${top.fstype} ${top.root}` : 'not mounted'}, not the host's private cgroup ${want}: refusing to make it writable`);
    }
    script.push(`mount -o remount,bind,rw,nosuid,nodev,noexec ${inside}`);
  }
  script.push('ln -sfn /dev/console /dev/kmsg');
  for (const k of Object.keys(KUBELET_SYSCTLS)) script.push(`mount --bind ${HOST_SYSCTL_DIR}/${k} /proc/sys/${k.replace(/\./g, '/')}`);
  script.push('mkdir -p /var/lib/containerd', 'mount -t tmpfs -o mode=0711 kplay-lab-containerd /var/lib/containerd');
  await run(['nsenter', '-t', String(init), '-m', '--', '/bin/sh', '-c', script.join('\n')]).catch((e: unknown) => {
    throw new LabError(`${opts.name}: preparing the host for Kubernetes failed: ${(e as Error).message}`);
  });
}

/** Removes one private cgroup tree, deepest first (runc's leftovers included); true when gone. */
export function removeCgroupTree(dir: string): boolean {
  if (!existsSync(dir)) return true;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return !existsSync(dir);
  }
  for (const e of entries) removeCgroupTree(join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    // busy: a process is still dying; the caller retries
  }
  return !existsSync(dir);
}

/**
 * Removes the lab's private folders, then the `kplay` folder above them when no other lab uses
 * it (a folder left in the cgroup this machine gave us would keep that cgroup from being removed).
 * Returns the folders that could not be removed.
 */
export function removeLabCgroups(labDirs: readonly string[]): string[] {
  const left = labDirs.filter((d) => !removeCgroupTree(d));
  for (const d of labDirs) {
    try {
      rmdirSync(dirname(d));
    } catch {
      // another lab's folder is in it, or it is gone already
    }
  }
  return left;
}

export interface GroupVarsInput {
  lab: string;
  images: LabImages;
  /** The API VIP of a lab with an lb pair (clusterLayout in inventory.ts). */
  vip?: string;
}

/** The lab's inventory variables: production settings plus what makes these hosts a lab. */
export function renderGroupVars(g: GroupVarsInput): string {
  const archive = (f: string) => `${HOST_IMAGE_DIR}/${f}`;
  return `# Written by \`kplay lab up --kubernetes\` for lab "${g.lab}"; removed by \`kplay lab down\`.
# What makes these lab hosts differ from production hosts, as inventory variables: roles run
# with their production settings plus these values (a role has no lab-only branch). A user's
# inventory that adds its hosts and this file works on the lab as is. See docs/lab.md.

# The lab image has Debian's etcd-server/etcd-client, and hosts have no internet.
etcd_source: package
# Debian's containerd 1.6 is in the image (/usr/bin/containerd).
containerd_source: package
# Debian's runc is in the image (/usr/sbin/runc).
runc_source: package
# Debian's containernetworking-plugins are in the image (/usr/lib/cni).
cni_source: package
# Debian bookworm packages no crictl and hosts have no internet: none is installed.
crictl_source: none
# No chrony in the image (and no mirror to install it from); the machine keeps the hosts' time.
ntp_enabled: false
# No registry is reachable, so no flannel image: the pod network is the "hard way" bridge network
# (static routes between nodes), which needs no image. Tests that build a local flannel image
# set flannel themselves.
kube_network_plugin: bridge
# No CoreDNS image either: the lab's clusters get no cluster DNS from site.yml (Kubespray's
# dns_mode none); tests that build a local CoreDNS image run apps/coredns themselves.
dns_mode: none
# kernel.keys.* and vm.panic_on_oom are read-only in a lab host and cannot take Kubespray's
# values; the kubelet then must not insist on them (KubeletConfiguration protectKernelDefaults).
kubelet_protect_kernel_defaults: false

# No image can be pulled here: the sandbox (pause) image is a local one that kplay builds from
# Debian's busybox-static (entrypoint: sleep infinity) and puts on every host.
pod_infra_image_repo: localhost/kplay/pause
pod_infra_image_tag: lab
# OCI archives on each host that the containerd role imports (ctr -n k8s.io images import) when
# the image is missing: the pause image above and a busybox image for test pods
# (imagePullPolicy: Never).
containerd_preload_images:
  - archive: ${archive(g.images.pause.file)}
    image: ${g.images.pause.image}
  - archive: ${archive(g.images.busybox.file)}
    image: ${g.images.busybox.image}

# This machine runs cgroup v1 (hybrid); kubelet 1.35+ refuses v1 unless told otherwise
# (KubeletConfiguration failCgroupV1).
kubelet_fail_cgroup_v1: false
# net.netfilter.nf_conntrack_max is read-only in a lab host: kube-proxy must not set it
# (KubeProxyConfiguration conntrack.maxPerCore: 0 leaves it alone).
kube_proxy_conntrack_max_per_core: 0
# runc in a lab host cannot lower oom_score_adj below its parent's ("oom_score_adj -999:
# permission denied"): containerd's restrict_oom_score_adj keeps it at the parent's value.
containerd_restrict_oom_score_adj: true
# runc in a lab host cannot create a session keyring ("unable to join session keyring:
# operation not permitted"): the runc option NoNewKeyring skips it.
containerd_runc_no_new_keyring: true
${g.vip ? vipVars(g.vip) : ''}`;
}

/** The lb pair's VIP (the lab subnet's .10) and a VRRP password made for this lab. */
function vipVars(vip: string): string {
  return `
# The API endpoint of the 3 control planes: keepalived holds this VIP on the lb pair, haproxy
# listens on 8443 in front of the apiservers.
loadbalancer_apiserver:
  address: ${vip}
  port: 8443
# VRRP password of this lab (keepalived reads 8 characters).
keepalived_auth_pass: ${randomBytes(6).toString('base64url')}
`;
}

export function groupVarsPath(labDir: string): string {
  return join(labDir, GROUP_VARS_FILE);
}

export function writeGroupVars(labDir: string, g: GroupVarsInput): string {
  const p = groupVarsPath(labDir);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(`${p}.tmp`, renderGroupVars(g), { mode: 0o600 });
  renameSync(`${p}.tmp`, p);
  return p;
}

/** Removes the group_vars file, and group_vars/all and group_vars when that leaves them empty. */
export function removeGroupVars(labDir: string): void {
  const p = groupVarsPath(labDir);
  rmSync(p, { force: true });
  for (const d of [dirname(p), dirname(dirname(p))]) {
    if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
  }
}
