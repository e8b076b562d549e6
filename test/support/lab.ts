/**
 * Real test hosts for mocha tests: systemd-nspawn containers with systemd as PID 1 and sshd, on a
 * private subnet of their own (see docs/lab.md). Give every test file its own lab name: labs of
 * other test processes run on this machine at the same time.
 *
 *   before(async function () {
 *     this.timeout(LAB_START_TIMEOUT_MS);
 *     requireLab(this);
 *     lab = await startLab(3, { name: 'sysctl' });
 *   });
 *   after(() => lab?.stop());
 */
import { upLab, downLab, type LabInfo, type LabKubernetes } from '../../engine/lab/lab.ts';
import { labSupported } from '../../engine/lab/support.ts';
import { SUDO_PASSWORD } from '../../engine/lab/image-spec.ts';
import { SshTransport } from '../../engine/transport/ssh.ts';
import type { Transport } from '../../engine/transport/transport.ts';

/** Building the image the first time takes a minute or more on a busy machine; starting hosts, seconds. */
export const LAB_START_TIMEOUT_MS = 10 * 60_000;
/** Idle hosts stop in about a second; hosts running containerd/kubelet get 30 s to halt, then a bounded kill. */
export const LAB_STOP_TIMEOUT_MS = 90_000;

export interface Lab {
  name: string;
  subnet: string;
  /** 198.18.K.254: this machine as the hosts see it (serve test artifacts here). */
  controllerAddress: string;
  /** kplay-<name>-h1 …, 198.18.K.11 … */
  hosts: { name: string; address: string }[];
  keyPath: string;
  knownHostsPath: string;
  inventoryPath: string;
  dir: string;
  users: { root: string; sudoNoPass: 'kplay'; sudoPass: 'kplaypw'; sudoPassword: string };
  /** What starting cost, in ms (image: cached / restored / built). */
  timings: LabInfo['timings'] & { imageAction: LabInfo['image']['action'] };
  /**
   * Only with startLab(n, {kubernetes: true}): the lab's group_vars file (beside inventoryPath),
   * the local images (reference + archive path on every host) and its private cgroup v1 folders.
   */
  kubernetes?: LabKubernetes;
  stop(): Promise<void>;
  /** A connected SSH transport to host i (0-based) as `user` (default root); stop() closes it. */
  transport(i: number, user?: string): Promise<Transport>;
}

/** Progress worth seeing in a test run: an image build that takes minutes, waiting for a lab name. */
function labLog(msg: string): void {
  if (/image|waiting|stale/.test(msg)) console.log(`      [lab] ${msg}`);
}

export function labSupport(): { ok: true } | { ok: false; reason: string } {
  return labSupported();
}

/**
 * Skip the suite (outside CI) or fail it loudly (CI=true) when this machine cannot run labs.
 * Call it first thing in a before() hook.
 */
export function requireLab(ctx: Mocha.Context): void {
  const s = labSupported();
  if (s.ok) return;
  if (process.env.CI === 'true') throw new Error(`lab tests must run in CI, but: ${s.reason}`);
  console.warn(`    (skipping lab tests: ${s.reason})`);
  ctx.skip();
}

export interface StartLabOptions {
  name?: string;
  /** Hosts that can run Kubernetes (`kplay lab up --kubernetes`, docs/lab.md). */
  kubernetes?: boolean;
}

export async function startLab(n: number, opts: StartLabOptions = {}): Promise<Lab> {
  const s = labSupported();
  if (!s.ok) throw new Error(`cannot start a lab: ${s.reason}`);
  // the same suite run by another process at the same time (two people, or a full run): take turns
  const info = await upLab(n, { name: opts.name ?? 'lab', persistent: false, waitMs: LAB_START_TIMEOUT_MS / 2, log: labLog, kubernetes: opts.kubernetes });
  const open = new Set<Transport>();
  let stopped: Promise<void> | undefined;
  return {
    name: info.name,
    subnet: info.subnet,
    controllerAddress: info.controllerAddress,
    hosts: info.hosts,
    keyPath: info.keyPath,
    knownHostsPath: info.knownHostsPath,
    inventoryPath: info.inventoryPath,
    dir: info.dir,
    users: { root: 'root', sudoNoPass: 'kplay', sudoPass: 'kplaypw', sudoPassword: SUDO_PASSWORD },
    timings: { ...info.timings, imageAction: info.image.action },
    ...(info.kubernetes ? { kubernetes: info.kubernetes } : {}),
    stop() {
      stopped ??= (async () => {
        await Promise.all([...open].map((t) => t.close().catch(() => undefined)));
        await downLab({ name: info.name });
      })();
      return stopped;
    },
    async transport(i, user = 'root') {
      const h = info.hosts[i];
      if (!h) throw new Error(`lab ${info.name} has no host ${i} (it has ${info.hosts.length}, 0-based)`);
      const t = new SshTransport({
        host: h.name,
        address: h.address,
        user,
        privateKeyPath: info.keyPath,
        knownHostsFiles: [info.knownHostsPath],
        hostKeyChecking: 'strict',
        agent: false,
      });
      await t.connect();
      open.add(t);
      return t;
    },
  };
}
