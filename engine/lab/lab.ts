/**
 * A lab: N hosts on their own subnet 198.18.K.0/24. up = image → registry entry (K under the
 * machine-wide lock) → network → hosts → wait for sshd → known_hosts + inventory. down undoes
 * everything, driven only by the registry entry, so it also works for a lab whose owner died.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { ensureImage, type Image } from './image.ts';
import { destroyHost, bootHost, hostPid, prepareHost, waitForSsh } from './host.ts';
import { clusterLayout, renderInventory, renderKnownHosts, type LabHost } from './inventory.ts';
import { withLock } from './lock.ts';
import * as n from './names.ts';
import { routedLabSubnets, setupBridge, setupHostsNet, teardownBridge, teardownHostNet } from './network.ts';
import { allocateK, findLab, ownerAlive, readRegistry, removeRecord, thisProcess, writeRecord, type LabRecord } from './registry.ts';
import { LabError, run, runAll } from './run.ts';
import { prepareMachine } from './support.ts';
import { BUSYBOX_IMAGE, ensureLabImages, PAUSE_IMAGE, type LabImages } from './oci.ts';
import {
  HOST_IMAGE_DIR, groupVarsPath, hostCgroupDir, labCgroupDirs, makeCgroup, prepareRunningHost, removeGroupVars, removeLabCgroups,
  v1Hierarchies, writeGroupVars, writeHostFiles,
} from './kubernetes.ts';

export interface UpOptions {
  name?: string;
  dir?: string;
  /** true for `kplay lab up`: the lab outlives this process. false (tests): stale once we exit. */
  persistent?: boolean;
  log?: (msg: string) => void;
  cacheDir?: string;
  /** When another live process holds a lab of this name, wait up to this long for it to go (tests). */
  waitMs?: number;
  /** Hosts that can run Kubernetes (engine/lab/kubernetes.ts, docs/lab.md). */
  kubernetes?: boolean;
}

/** What a --kubernetes lab adds. */
export interface LabKubernetes {
  /** group_vars/all/lab-kubernetes.yml beside inventory.ini. */
  groupVarsPath: string;
  /** The local images: reference and the archive's path on every host. */
  images: { pause: { image: string; archive: string }; busybox: { image: string; archive: string } };
  /** The lab's private cgroup v1 folders on this machine (host i: `<dir>/hI`); gone after down. */
  cgroupDirs: string[];
}

export interface LabInfo {
  name: string;
  k: number;
  subnet: string;
  controllerAddress: string;
  bridgeAddress: string;
  dir: string;
  hosts: LabHost[];
  keyPath: string;
  knownHostsPath: string;
  inventoryPath: string;
  image: Image;
  /** Milliseconds: image ready, then network + overlays + nspawn started, then until every sshd answers. */
  timings: { imageMs: number; startMs: number; sshMs: number };
  kubernetes?: LabKubernetes;
}

/**
 * SIGTERM → halt of a --kubernetes lab host: the kubelet, containerd and its shims stop in turn
 * (3 hosts running a cluster took 11.6 s, past the 10 s of an idle host). Everything left after
 * it is SIGKILLed (bounded too: host.ts).
 */
export const KUBERNETES_GRACE_MS = 30_000;

const PARALLEL = 8;

export function labInfo(rec: LabRecord, image: Image, timings: LabInfo['timings']): LabInfo {
  const f = n.labFiles(rec.dir);
  return {
    name: rec.name,
    k: rec.k,
    subnet: n.subnetOf(rec.k),
    controllerAddress: n.controllerAddress(rec.k),
    bridgeAddress: n.bridgeAddress(rec.k),
    dir: rec.dir,
    hosts: Array.from({ length: rec.hosts }, (_, j) => ({ name: n.hostName(rec.name, j + 1), address: n.hostAddress(rec.k, j + 1) })),
    keyPath: f.key,
    knownHostsPath: f.knownHosts,
    inventoryPath: f.inventory,
    image,
    timings,
    ...(rec.kubernetes ? { kubernetes: kubernetesInfo(rec) } : {}),
  };
}

function kubernetesInfo(rec: LabRecord): LabKubernetes {
  const archive = (file: string) => `${HOST_IMAGE_DIR}/${file}`;
  return {
    groupVarsPath: groupVarsPath(rec.dir),
    images: {
      pause: { image: PAUSE_IMAGE, archive: archive('pause.tar') },
      busybox: { image: BUSYBOX_IMAGE, archive: archive('busybox.tar') },
    },
    cgroupDirs: rec.kubernetes?.cgroupDirs ?? [],
  };
}

export async function upLab(count: number, opts: UpOptions = {}): Promise<LabInfo> {
  const name = n.checkLabName(opts.name ?? 'lab');
  if (!Number.isInteger(count) || count < 1 || count > n.MAX_HOSTS) throw new LabError(`a lab has 1 to ${n.MAX_HOSTS} hosts, not ${count}`);
  const log = opts.log ?? (() => undefined);
  const image = await ensureImage({ cacheDir: opts.cacheDir, log });
  const labImages = opts.kubernetes ? await ensureLabImages({ cacheDir: opts.cacheDir, log }) : undefined;

  const deadline = Date.now() + (opts.waitMs ?? 0);
  let waiting = false;
  let rec: LabRecord | undefined;
  while (!rec) {
    rec = await withLock(n.REGISTRY_LOCK, async () => {
      await prepareMachine();
      await cleanStaleLabs(log);
      const existing = findLab(name);
      if (existing) {
        // the same test suite run by another process: wait for its turn
        if (existing.owner && existing.owner.pid !== process.pid && Date.now() < deadline) return undefined;
        throw new LabError(
          `lab "${name}" is already up (${existing.hosts} hosts on ${n.subnetOf(existing.k)}, ` +
            `${existing.owner ? `owned by pid ${existing.owner.pid}` : 'started by kplay lab up'}); stop it with: kplay lab down --name ${name}`,
        );
      }
      const dir = opts.dir ?? n.defaultLabDir(name);
      if (existsSync(n.labFiles(dir).state) || readRegistry().some((r) => r.dir === dir)) {
        throw new LabError(`${dir} already holds a lab; run kplay lab down --dir ${dir}`);
      }
      const k = allocateK(readRegistry(), await routedLabSubnets());
      if (k === undefined) throw new LabError('no free lab subnet: all of 198.18.1.0/24 … 198.18.254.0/24 are in use');
      const r: LabRecord = { name, k, dir, hosts: count, image: image.key, owner: thisProcess(), createdAt: new Date().toISOString() };
      if (opts.kubernetes) r.kubernetes = { cgroupDirs: labCgroupDirs(name) };
      writeRecord(r); // K is ours from here on; everything below is undone by teardown(r)
      return r;
    });
    if (!rec) {
      if (!waiting) log(`lab "${name}" is in use by another process; waiting for it`);
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const t1 = Date.now();

  try {
    const info = await startHosts(rec, image, log, t1, labImages);
    if (opts.persistent) writeRecord({ ...rec, owner: null });
    writeFileSync(n.labFiles(rec.dir).state, `${JSON.stringify({ ...rec, owner: opts.persistent ? null : rec.owner }, null, 2)}\n`);
    return info;
  } catch (e) {
    await teardown(rec).catch((te: unknown) => log(`cleaning up after a failed start: ${String(te)}`));
    throw e;
  }
}

async function startHosts(rec: LabRecord, image: Image, log: (m: string) => void, t1: number, labImages?: LabImages): Promise<LabInfo> {
  const f = n.labFiles(rec.dir);
  mkdirSync(f.hostsDir, { recursive: true, mode: 0o700 });
  rmSync(f.key, { force: true });
  rmSync(`${f.key}.pub`, { force: true });
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `kplay-lab-${rec.name}`, '-f', f.key]);
  const authorizedKey = readFileSync(`${f.key}.pub`, 'utf8');

  log(`lab ${rec.name}: starting ${rec.hosts} host(s) on ${n.subnetOf(rec.k)}`);
  await setupBridge(rec.name, rec.k);
  const peers = Array.from({ length: rec.hosts }, (_, j) => ({ name: n.hostName(rec.name, j + 1), address: n.hostAddress(rec.k, j + 1) }));
  const indexes = peers.map((_, j) => j + 1);
  const hostKeys = new Map<number, string>();
  const pids = new Map<number, number>();
  await setupHostsNet(rec.name, rec.k, indexes);
  await runAll(indexes, PARALLEL, async (i) => {
    const spec = { lab: rec.name, k: rec.k, i, dir: rec.dir, lowerdir: image.rootfs, peers, authorizedKey };
    hostKeys.set(i, await prepareHost(spec));
    const privateCgroups = (rec.kubernetes?.cgroupDirs ?? []).map((d) => hostCgroupDir(d, i));
    for (const d of privateCgroups) makeCgroup(d);
    if (labImages) writeHostFiles(n.hostFiles(rec.dir, i).merged, labImages);
    pids.set(i, bootHost({ ...spec, privateCgroups }));
  });
  const t2 = Date.now();
  await Promise.all(indexes.map((i) => waitForSsh(n.hostAddress(rec.k, i), pids.get(i) ?? 0, n.hostFiles(rec.dir, i).log)));
  if (labImages) {
    const hierarchies = v1Hierarchies();
    await Promise.all(indexes.map((i) => prepareRunningHost({ nspawnPid: pids.get(i) ?? 0, hierarchies, lab: rec.name, i, name: n.hostName(rec.name, i) })));
    writeGroupVars(rec.dir, { lab: rec.name, images: labImages, vip: clusterLayout(peers).lb.length ? n.hostAddress(rec.k, 0) : undefined });
  }
  const t3 = Date.now();

  writeFileSync(f.knownHosts, renderKnownHosts(peers.map((p, j) => ({ ...p, hostKey: hostKeys.get(j + 1) ?? '' }))));
  writeFileSync(f.inventory, renderInventory(rec.name, n.subnetOf(rec.k), peers, f.key, f.knownHosts, labImages !== undefined));
  log(`lab ${rec.name}: ${rec.hosts} host(s) answer ssh (${t3 - t1} ms); inventory: ${f.inventory}`);
  return labInfo(rec, image, { imageMs: image.ms, startMs: t2 - t1, sshMs: t3 - t2 });
}

/** Everything a lab made, removed in reverse order. Idempotent; safe on a half-started lab. */
export async function teardown(rec: LabRecord, opts: { graceMs?: number } = {}): Promise<void> {
  const indexes = Array.from({ length: rec.hosts }, (_, j) => j + 1);
  const errors: unknown[] = [];
  const privateDirs = rec.kubernetes?.cgroupDirs ?? [];
  const graceMs = opts.graceMs ?? (rec.kubernetes ? KUBERNETES_GRACE_MS : undefined);
  await runAll(indexes, 32, async (i) => {
    const privateCgroups = privateDirs.map((d) => hostCgroupDir(d, i));
    await destroyHost(rec.name, i, rec.dir, { graceMs, privateCgroups }).catch((e: unknown) => errors.push(e));
    await teardownHostNet(rec.name, i);
  });
  await teardownBridge(rec.name, rec.k);
  for (const root of n.cgroupRoots()) {
    try {
      rmdirSync(n.labCgroup(root, rec.name));
    } catch {
      // absent, or (after an error above) still busy
    }
  }
  // the lab's private cgroup v1 folders: empty once every host is gone
  const left = removeLabCgroups(privateDirs);
  if (left.length && errors.length === 0) errors.push(new LabError(`lab ${rec.name}: cannot remove the cgroups ${left.join(' ')}`));
  if (errors.length) throw errors[0];
  const f = n.labFiles(rec.dir);
  removeGroupVars(rec.dir);
  for (const p of [f.state, f.key, `${f.key}.pub`, f.knownHosts, f.inventory]) rmSync(p, { force: true });
  if (existsSync(f.hostsDir) && readdirSync(f.hostsDir).length === 0) rmdirSync(f.hostsDir);
  // a --dir given by the user stays; our own default directory goes
  if (rec.dir === n.defaultLabDir(rec.name) && existsSync(rec.dir) && readdirSync(rec.dir).length === 0) rmdirSync(rec.dir);
  removeRecord(rec.name);
}

/**
 * Stale: the owning test process is gone, or a `kplay lab up` lab has no host running any more
 * (after a reboot, since /run may be on disk). A lab still starting always has a live owner.
 */
export function isStale(r: LabRecord): boolean {
  if (!ownerAlive(r.owner)) return true;
  if (r.owner !== null) return false;
  return Array.from({ length: r.hosts }, (_, j) => j + 1).every((i) => hostPid(r.name, i, r.dir) === undefined);
}

/** Tear down stale labs (see isStale). Call under REGISTRY_LOCK. */
export async function cleanStaleLabs(log: (m: string) => void = () => undefined): Promise<string[]> {
  const stale = readRegistry().filter(isStale);
  for (const r of stale) {
    log(`removing stale lab "${r.name}" (${r.owner ? `owner pid ${r.owner.pid} is gone` : 'no host is running'})`);
    await teardown(r, { graceMs: 3_000 });
  }
  return stale.map((r) => r.name);
}

/** The lab with this name, or the one whose state is in `dir`. */
export function resolveLab(sel: { name?: string; dir?: string }): LabRecord | undefined {
  if (sel.dir !== undefined) {
    const state = n.labFiles(sel.dir).state;
    const fromDir = existsSync(state) ? (JSON.parse(readFileSync(state, 'utf8')) as LabRecord) : undefined;
    return fromDir ? (findLab(fromDir.name) ?? fromDir) : readRegistry().find((r) => r.dir === sel.dir);
  }
  return findLab(n.checkLabName(sel.name ?? 'lab'));
}

export async function downLab(sel: { name?: string; dir?: string }, opts: { graceMs?: number } = {}): Promise<LabRecord | undefined> {
  const rec = resolveLab(sel);
  if (rec) await teardown(rec, opts);
  return rec;
}
