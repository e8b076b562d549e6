/**
 * The Kubernetes binaries built from source in ../shared/k8s (beside the project; KPLAY_K8S_DIR
 * overrides), decompressed once per machine into a cache in Kubespray's `files_repo` layout, so
 * that a test's artifact server serves them as the upstream URLs the download role asks for:
 *
 *   const k8s = k8sBinaries(this);            // skips the suite (or fails it in CI) when absent
 *   const server = await startArtifactServer({ root: k8s.filesRepo, host: lab.controllerAddress });
 *   vars: { files_repo: server.url, ...k8s.checksumVars }
 *
 * Their sha256 differ from upstream's (they are not the release files), so tests override the
 * role's pinned checksums with `checksumVars` (from ../shared/k8s/SHA256SUMS).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const K8S_DIR = resolve(process.env.KPLAY_K8S_DIR ?? join(import.meta.dirname, '../../../shared/k8s'));
export const KUBE_VERSION = '1.36.3';
const CACHE = '/var/cache/kplay/test-k8s';

/** The binaries of one Kubernetes release, with the role variable that pins each one's checksum. */
const KUBE_BINARIES = {
  'kube-apiserver': 'kube_apiserver_binary_checksum',
  'kube-controller-manager': 'kube_controller_manager_binary_checksum',
  'kube-scheduler': 'kube_scheduler_binary_checksum',
  'kube-proxy': 'kube_proxy_binary_checksum',
  kubelet: 'kubelet_binary_checksum',
  kubectl: 'kubectl_binary_checksum',
} as const;

export interface K8sBinaries {
  /** Root of a files_repo mirror: dl.k8s.io/release/v1.36.3/bin/linux/amd64/<name>. */
  filesRepo: string;
  /** kubectl v1.36.3 for the controller side of tests. */
  kubectl: string;
  /** Other decompressed binaries by their path in ../shared/k8s (e.g. `coredns/coredns`). */
  file(rel: string): string;
  /** `kube_version` and `<name>_binary_checksum` for every Kubernetes binary. */
  checksumVars: Record<string, string>;
  sums: Map<string, string>;
}

export function k8sBinariesMissing(): string | undefined {
  if (!existsSync(join(K8S_DIR, 'SHA256SUMS'))) return `no Kubernetes binaries in ${K8S_DIR} (see its README; set KPLAY_K8S_DIR)`;
  if (!existsSync('/usr/bin/zstd')) return 'zstd is not installed';
  return undefined;
}

/** Skip the suite with a message (fail it in CI) when the binaries are absent; else decompress them once. */
export function k8sBinaries(ctx: Mocha.Context): K8sBinaries {
  const missing = k8sBinariesMissing();
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`cluster tests must run in CI, but: ${missing}`);
    console.warn(`    (skipping: ${missing})`);
    ctx.skip();
  }
  return prepare();
}

/** One decompressed binary by its path in ../shared/k8s (`v1.36.3/kubectl`, `etcd/etcd`). */
export function k8sBinary(name: string): string {
  const b = prepare();
  if (!b.sums.has(name)) throw new Error(`${name} is not in ${K8S_DIR}/SHA256SUMS`);
  return name.startsWith(`v${KUBE_VERSION}/`) ? join(b.filesRepo, 'dl.k8s.io', 'release', `v${KUBE_VERSION}`, 'bin', 'linux', 'amd64', name.split('/')[1]!) : b.file(name);
}

function prepare(): K8sBinaries {
  const sums = new Map<string, string>();
  for (const line of readFileSync(join(K8S_DIR, 'SHA256SUMS'), 'utf8').split('\n')) {
    const [sum, name] = line.trim().split(/\s+/);
    if (sum && name) sums.set(name, sum);
  }
  const key = (sums.get(`v${KUBE_VERSION}/kube-apiserver`) ?? 'x').slice(0, 16);
  const root = join(CACHE, key);
  const release = join(root, 'files', 'dl.k8s.io', 'release', `v${KUBE_VERSION}`, 'bin', 'linux', 'amd64');
  const other = join(root, 'other');
  if (!existsSync(join(root, 'complete'))) {
    // another test process may do the same at once: each works in its own directory, the first rename wins
    const tmp = `${root}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    for (const name of sums.keys()) {
      const dest = name.startsWith(`v${KUBE_VERSION}/`) ? join(tmp, 'files', 'dl.k8s.io', 'release', `v${KUBE_VERSION}`, 'bin', 'linux', 'amd64', name.split('/')[1]!) : join(tmp, 'other', name);
      mkdirSync(join(dest, '..'), { recursive: true });
      execFileSync('zstd', ['-q', '-d', '-f', join(K8S_DIR, `${name}.zst`), '-o', dest]);
      const got = createHash('sha256').update(readFileSync(dest)).digest('hex');
      if (got !== sums.get(name)) throw new Error(`${name}: sha256 ${got} does not match SHA256SUMS ${sums.get(name)}`);
      execFileSync('chmod', ['0755', dest]);
    }
    execFileSync('touch', [join(tmp, 'complete')]);
    mkdirSync(CACHE, { recursive: true });
    try {
      renameSync(tmp, root);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // lost the race: the other copy is complete
    }
  }
  const checksumVars: Record<string, string> = { kube_version: KUBE_VERSION };
  for (const [name, variable] of Object.entries(KUBE_BINARIES)) checksumVars[variable] = `sha256:${sums.get(`v${KUBE_VERSION}/${name}`)!}`;
  return {
    filesRepo: join(root, 'files'),
    kubectl: join(release, 'kubectl'),
    file: (rel) => join(other, rel),
    checksumVars,
    sums,
  };
}
