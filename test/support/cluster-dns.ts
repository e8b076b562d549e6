/**
 * Cluster DNS in lab tests: CoreDNS's release archive where apps/coredns asks files_repo for it
 * (built from ../shared/k8s's CoreDNS binary), the variables that point the role at it and at the
 * local image, and the proof that a pod on every node resolves names through the kube-dns Service.
 * Shared by the CoreDNS test (flannel as a DaemonSet) and the flannel test (flanneld as host units).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { K8sBinaries } from './k8s-binaries.ts';
import { COREDNS_IMAGE_REPO, COREDNS_IMAGE_TAG } from './coredns-image.ts';
import { waitFor } from './until.ts';

export const COREDNS_VERSION = '1.11.3';

export interface Kubectl {
  (...args: string[]): { rc: number; out: string; err: string };
}

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/**
 * Writes `github.com/coredns/coredns/releases/download/v<version>/coredns_<version>_linux_amd64.tgz`
 * under root (upstream's layout) and returns the role variables that use it and the local image.
 */
export function corednsRelease(k8s: K8sBinaries, root: string): Record<string, string> {
  const binary = k8s.file('coredns/coredns');
  // the binary inside is the one ../shared/k8s/SHA256SUMS names
  expect(sha256(binary)).to.equal(k8s.sums.get('coredns/coredns'));
  const release = join(root, 'github.com/coredns/coredns/releases/download', `v${COREDNS_VERSION}`);
  mkdirSync(release, { recursive: true });
  const tgz = join(release, `coredns_${COREDNS_VERSION}_linux_amd64.tgz`);
  execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-czf', tgz, '-C', dirname(binary), 'coredns']);
  return {
    coredns_version: COREDNS_VERSION,
    coredns_archive_checksum: `sha256:${sha256(tgz)}`,
    coredns_image_repo: COREDNS_IMAGE_REPO,
    coredns_image_tag: COREDNS_IMAGE_TAG,
  };
}

/**
 * One busybox pod per node (control planes included) and a Service `dnstest`; each pod resolves
 * kubernetes.default and the Service through its resolv.conf (nameserver 10.96.0.10).
 */
export async function dnsFromEveryNode(kubectl: Kubectl, nodes: string[], work: string, label: string): Promise<void> {
  const pods = nodes.map((node, i) => ({ name: `dnsprobe-${i}`, node }));
  const file = join(work, `dnsprobe-${label}.json`);
  const items = pods.map((p) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, labels: { app: 'dnsprobe' } },
    spec: {
      nodeName: p.node,
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'probe', image: 'localhost/kplay/busybox:lab', imagePullPolicy: 'Never', command: ['/bin/busybox', 'sleep', '3600'] }],
    },
  }));
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dnstest' }, spec: { ports: [{ port: 80 }] } };
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...items, service] }));
  const apply = kubectl('apply', '-f', file);
  expect(apply.rc, apply.err).to.equal(0);
  const dnstestIp = kubectl('get', 'svc', 'dnstest', '-o', 'jsonpath={.spec.clusterIP}').out;
  expect(dnstestIp).to.match(/^10\.(9[6-9]|1[01][0-9])\./);
  const running = pods.map(() => 'Running').join(' ');
  await waitFor(`${pods.length} Running probe pods`, () => kubectl('get', 'pods', '-l', 'app=dnsprobe', '-o', 'jsonpath={.items[*].status.phase}').out === running);

  for (const p of pods) {
    const resolvConf = kubectl('exec', p.name, '--', '/bin/busybox', 'cat', '/etc/resolv.conf');
    expect(resolvConf.out, resolvConf.err).to.include('nameserver 10.96.0.10').and.to.include('search default.svc.cluster.local');
    // busybox's nslookup asks for the name as given (no search list): it proves the fully
    // qualified names against the nameserver of resolv.conf; the short names go through the C
    // library's resolver (busybox ping resolves with getaddrinfo: search list, ndots:5), whose
    // first output line names the address it resolved (the ping itself may go unanswered).
    for (const [name, want, how] of [
      ['kubernetes.default.svc.cluster.local', '10.96.0.1', 'nslookup'],
      ['dnstest.default.svc.cluster.local', dnstestIp, 'nslookup'],
      ['kubernetes.default', '10.96.0.1', 'ping'],
      ['dnstest', dnstestIp, 'ping'],
    ] as const) {
      let last = { rc: -1, out: '', err: '' };
      const argv = how === 'nslookup' ? ['nslookup', name] : ['ping', '-c', '1', '-W', '1', name];
      const wantRe = new RegExp(how === 'nslookup' ? `Address:\\s+${want.replace(/\./g, '\\.')}\\b` : `^PING ${name} \\(${want.replace(/\./g, '\\.')}\\)`, 'm');
      await waitFor(`${label}: ${name} from ${p.name} on ${p.node}`, () => {
        last = kubectl('exec', p.name, '--', '/bin/busybox', ...argv);
        return wantRe.test(last.out);
      }, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${last.out}${last.err}\n${diagnose(kubectl, p.name, name)}`);
      });
    }
  }
}

/** What a failed lookup message shows: where CoreDNS runs, what it logged, whether its pods answer directly. */
function diagnose(kubectl: Kubectl, pod: string, name: string): string {
  const wide = kubectl('get', 'pods', '-A', '-o', 'wide').out;
  const logs = kubectl('-n', 'kube-system', 'logs', '-l', 'k8s-app=kube-dns', '--tail=30').out;
  const ips = kubectl('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'jsonpath={.items[*].status.podIP}').out.split(' ').filter(Boolean);
  const slices = kubectl('-n', 'kube-system', 'get', 'endpointslices', '-o', 'wide').out;
  const direct = ips.map((ip) => `nslookup ${name} ${ip}: ${kubectl('exec', pod, '--', '/bin/busybox', 'nslookup', name, ip).out}`);
  return [wide, logs, slices, ...direct].join('\n');
}
