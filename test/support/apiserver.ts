/**
 * A real etcd + kube-apiserver on loopback for tests, from the binaries in ../shared/k8s
 * (zstd-compressed; decompressed once into a cache under the OS temp dir, checked against
 * SHA256SUMS). No controller-manager, no scheduler, no kubelet: objects are stored and served,
 * nothing reconciles them (a Deployment never becomes available, a Namespace never finishes
 * terminating). Certificates are made with openssl (ECDSA P-256). Ports are free random high
 * ports. stop() kills both processes and removes the directory.
 *
 *   const api = await startApiserver();   // or undefined + reason when the binaries are absent
 *   api.kubeconfig                        // admin kubeconfig path (O=system:masters)
 *   api.kubectl                           // kubectl v1.36.3 path
 *   await api.stop();
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K8S_DIR, KUBE_VERSION, k8sBinary } from './k8s-binaries.ts';

const K8S_VERSION = `v${KUBE_VERSION}`;

export interface Apiserver {
  /** https://127.0.0.1:PORT */
  server: string;
  port: number;
  /** Admin kubeconfig (client cert with O=system:masters, embedded). */
  kubeconfig: string;
  /** kubectl of the same version. */
  kubectl: string;
  /** The working directory (certs, logs, etcd data). */
  dir: string;
  /** Run kubectl with the admin kubeconfig; returns stdout, throws on a non-zero exit. */
  kubectlRun(args: string[], stdin?: string): string;
  stop(): Promise<void>;
}

/** Why the apiserver cannot run here, or undefined when it can. */
export function apiserverUnavailable(): string | undefined {
  if (!existsSync(join(K8S_DIR, K8S_VERSION, 'kube-apiserver.zst'))) return `${K8S_DIR} (Kubernetes binaries) is absent`;
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'zstd and openssl are needed to start a test apiserver';
  }
  return undefined;
}



async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    // high random ports: let the kernel pick from its ephemeral range
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function ossl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCerts(dir: string): void {
  const ext = join(dir, 'ext.cnf');
  writeFileSync(
    ext,
    [
      '[server]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,IP:10.96.0.1',
      '[client]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
  );
  const key = (name: string) => ossl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  key('ca');
  ossl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=kplay-test-ca', '-days', '2', '-out', 'ca.crt']);
  for (const [name, subj, section] of [
    ['apiserver', '/CN=kube-apiserver', 'server'],
    ['admin', '/O=system:masters/CN=kplay-test-admin', 'client'],
  ] as const) {
    key(name);
    ossl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`]);
    ossl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.crt`]);
  }
  key('sa');
  ossl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function kubeconfigText(dir: string, server: string): string {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64('ca.crt')}`,
    `    server: ${server}`,
    '  name: test',
    'contexts:',
    '- context:',
    '    cluster: test',
    '    user: admin',
    '  name: test',
    'current-context: test',
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64('admin.crt')}`,
    `    client-key-data: ${b64('admin.key')}`,
    '',
  ].join('\n');
}

function spawnLogged(bin: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const p = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return p;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), 5_000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/** Start etcd and kube-apiserver; resolves when /readyz answers ok (throws after timeoutMs). */
export async function startApiserver(opts: { timeoutMs?: number } = {}): Promise<Apiserver> {
  const apiserverBin = k8sBinary(`${K8S_VERSION}/kube-apiserver`);
  const etcdBin = k8sBinary('etcd/etcd');
  const kubectl = k8sBinary(`${K8S_VERSION}/kubectl`);
  const dir = mkdtempSync(join(tmpdir(), 'kplay-apiserver-'));
  makeCerts(dir);
  const [etcdClient, etcdPeer, port] = [await freePort(), await freePort(), await freePort()];
  const procs: ChildProcess[] = [];
  // a test process that ends without stop() (Ctrl-C, a crash) leaves no apiserver behind
  const killAll = () => procs.forEach((p) => p.exitCode === null && p.kill('SIGKILL'));
  process.once('exit', killAll);
  const stop = async () => {
    process.removeListener('exit', killAll);
    for (const p of procs.reverse()) await stopProcess(p);
    procs.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    procs.push(
      spawnLogged(
        etcdBin,
        [
          '--name=test',
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`,
          '--unsafe-no-fsync',
        ],
        join(dir, 'etcd.log'),
      ),
    );
    procs.push(
      spawnLogged(
        apiserverBin,
        [
          `--etcd-servers=http://127.0.0.1:${etcdClient}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${dir}`,
          `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
          `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
          `--client-ca-file=${join(dir, 'ca.crt')}`,
          `--service-account-key-file=${join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          '--service-account-issuer=https://kubernetes.default.svc',
          '--service-cluster-ip-range=10.96.0.0/12',
          '--authorization-mode=Node,RBAC',
          // as the control-plane role's apiservers: privileged pods (calico-node) are allowed
          '--allow-privileged=true',
          '--enable-priority-and-fairness=false',
          '--endpoint-reconciler-type=none',
        ],
        join(dir, 'apiserver.log'),
      ),
    );
    const server = `https://127.0.0.1:${port}`;
    const kubeconfig = join(dir, 'admin.conf');
    writeFileSync(kubeconfig, kubeconfigText(dir, server), { mode: 0o600 });
    const kubectlRun = (args: string[], stdin?: string) =>
      execFileSync(kubectl, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', input: stdin ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
    const end = Date.now() + (opts.timeoutMs ?? 90_000);
    for (;;) {
      for (const p of procs) if (p.exitCode !== null) throw new Error(`${p.spawnfile} exited (${p.exitCode}):\n${tail(join(dir, p === procs[0] ? 'etcd.log' : 'apiserver.log'))}`);
      try {
        if (kubectlRun(['get', '--raw=/readyz']).trim() === 'ok') {
          // the default namespace and the bootstrap RBAC exist once readyz passes; wait for the former
          kubectlRun(['get', 'namespace', 'default', '-o', 'name']);
          break;
        }
      } catch {
        // not up yet
      }
      if (Date.now() > end) throw new Error(`kube-apiserver did not become ready:\n${tail(join(dir, 'apiserver.log'))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return { server, port, kubeconfig, kubectl, dir, kubectlRun, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
