/**
 * network_plugin/flannel through `kplay run site.yml` (kube_network_plugin: flannel) on lab hosts
 * prepared for Kubernetes, with the v1.36 binaries and flannel built from source in ../shared/k8s
 * (flanneld v0.20.2 + the flannel CNI plugin v0.9.1, in a local image localhost/kplay/flannel:test
 * that stands in for both upstream images, imported by containerd_preload_images):
 *
 * - flannel_deployment: daemonset on 3 hosts (1 control plane, 2 nodes): the DaemonSet runs on
 *   every node, each node has flannel.1 (vxlan) and /run/flannel/subnet.env; pods on two nodes
 *   reach each other and a ClusterIP Service; a second run and a check after it change nothing;
 *   a changed kube_pods_subnet is refused by the role's guard before any host changes.
 * - flannel_deployment: host on 2 other hosts: flanneld is a systemd unit on each node (binary and
 *   CNI plugin from the artifact server, checksums from the test), pods across nodes reach each other,
 *   and with CoreDNS 1.11.3 (dns_mode: coredns, a local image of ../shared/k8s's binary) a pod on
 *   each node resolves kubernetes.default and a Service name over that network.
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, changedTasks, kplay, recap, type KplayRun } from '../../support/kplay.ts';
import { copyLabInventory, startRoleLab, type RoleLab } from '../../support/role-lab.ts';
import { waitFor } from '../../support/until.ts';
import { skipAfterFailure } from '../../support/steps.ts';
import { k8sBinaries, type K8sBinaries } from '../../support/k8s-binaries.ts';
import { startArtifactServer, type ArtifactServer } from '../../support/artifact-server.ts';
import { ensureFlannelImage, type FlannelImage } from '../../support/flannel-image.ts';
import { COREDNS_IMAGE, corednsImage } from '../../support/coredns-image.ts';
import { corednsRelease, dnsFromEveryNode } from '../../support/cluster-dns.ts';

const GUARDED_SITE = join(import.meta.dirname, '../../fixtures/roles/flannel/site-guarded.yml');
const HOST_IMAGE = '/var/lib/kplay-lab/images/flannel.tar';
const HOST_COREDNS_IMAGE = '/var/lib/kplay-lab/images/coredns.tar';
/** What a refused run must leave as it was: configuration, binaries, units, CNI files. */
const LISTING = 'find /etc /usr/local /opt /var/lib/kubelet /usr/lib/cni -xdev -printf "%p %m %s %T@\\n" 2>/dev/null | grep -v -e "^/etc/ld.so.cache" | sort';
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** A role lab whose temp dir (inv) holds the lab's inventory, group_vars and the test's variables. */
interface Cluster extends RoleLab {
  inv: string;
  kubeconfig: string;
  outputs: string[];
}

describe('network_plugin/flannel: site.yml with kube_network_plugin flannel (real v1.36, flanneld v0.20.2)', function () {
  let k8s: K8sBinaries;
  let image: FlannelImage;
  let server: ArtifactServer | undefined;
  const labs: RoleLab[] = [];
  const timings: Record<string, number> = {};

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    k8s = k8sBinaries(this);
    image = await ensureFlannelImage(k8s.file('flannel/flanneld'), k8s.file('flannel/flannel'));
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS * 2);
    await server?.close();
    await Promise.all(labs.map((l) => l.stop()));
    console.log(`      timings (ms): ${JSON.stringify(timings)}`);
  });

  /** A lab with Kubespray's groups, its inventory copied beside the artifacts' and flannel's variables, the flannel image (and CoreDNS's when given) on each host. */
  async function cluster(name: string, n: number, flannelVars: Record<string, unknown>, filesRoot: string, coredns?: string): Promise<Cluster> {
    const rl = await startRoleLab(n, { name, kubernetes: true });
    labs.push(rl);
    const { lab, hosts, dir: inv } = rl;
    server ??= await startArtifactServer({ root: filesRoot, host: lab.controllerAddress });
    await Promise.all(hosts.map((t) => t.putFile(image.tarball, HOST_IMAGE)));
    if (coredns) await Promise.all(hosts.map((t) => t.putFile(coredns, HOST_COREDNS_IMAGE)));
    copyLabInventory(lab, inv);
    const labImages = lab.kubernetes!.images;
    writeFileSync(join(inv, 'group_vars', 'all', 'artifacts.yml'), JSON.stringify({ files_repo: server.url, ...k8s.checksumVars }, null, 2));
    writeFileSync(
      join(inv, 'group_vars', 'all', 'zz-flannel.yml'),
      JSON.stringify(
        {
          kube_network_plugin: 'flannel',
          // the lab's preloaded images plus the flannel image (both upstream images in one)
          containerd_preload_images: [
            ...Object.values(labImages),
            { archive: HOST_IMAGE, image: image.image },
            ...(coredns ? [{ archive: HOST_COREDNS_IMAGE, image: COREDNS_IMAGE }] : []),
          ],
          ...flannelVars,
        },
        null,
        2,
      ),
    );
    return { ...rl, inv, kubeconfig: join(inv, 'credentials', 'admin.conf'), outputs: [] };
  }

  const run = async (c: Cluster, playbook: string, ...extra: string[]): Promise<KplayRun> => {
    const r = await kplay('run', playbook, '-i', c.inv, '--json', ...extra);
    c.outputs.push(r.stdout, r.stderr);
    return r;
  };
  const kubectl = (c: Cluster, ...args: string[]) => {
    const r = spawnSync(k8s.kubectl, ['--kubeconfig', c.kubeconfig, '--request-timeout=20s', ...args], { encoding: 'utf8' });
    return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  const on = (c: Cluster, i: number, cmd: string) => c.on(i, cmd);

  /** Two busybox pods on different nodes reach each other; one reaches the other through a ClusterIP Service. */
  async function podsAcrossNodes(c: Cluster, name: string): Promise<void> {
    const labels = { app: name };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }] } },
            containers: [
              {
                name: 'echo',
                image: 'localhost/kplay/busybox:lab',
                imagePullPolicy: 'Never',
                command: ['/bin/busybox', 'sh', '-c', 'while true; do echo hello-from-$HOSTNAME | /bin/busybox nc -l -p 8080; done'],
              },
            ],
          },
        },
      },
    };
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } };
    const file = join(mkdtempSync(join(tmpdir(), 'kplay-flannel-objects-')), 'echo.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deployment, service] }));
    const apply = kubectl(c, 'apply', '-f', file);
    expect(apply.rc, apply.err).to.equal(0);
    await waitFor('2 Running pods', () => kubectl(c, 'get', 'pods', '-l', `app=${name}`, '-o', 'jsonpath={.items[*].status.phase}').out === 'Running Running');
    const pods = JSON.parse(kubectl(c, 'get', 'pods', '-l', `app=${name}`, '-o', 'json').out) as { items: { metadata: { name: string }; spec: { nodeName: string }; status: { podIP: string } }[] };
    const [a, b] = pods.items;
    expect(a!.spec.nodeName).not.to.equal(b!.spec.nodeName);
    // both pod IPs are in the flannel network, in their nodes' podCIDRs
    for (const p of [a!, b!]) expect(p.status.podIP).to.match(/^10\.244\./);
    const fromA = kubectl(c, 'exec', a!.metadata.name, '--', '/bin/busybox', 'sh', '-c', `/bin/busybox nc -w 5 ${b!.status.podIP} 8080 </dev/null`);
    expect(fromA.out, fromA.err).to.include(`hello-from-${b!.metadata.name}`);
    const fromB = kubectl(c, 'exec', b!.metadata.name, '--', '/bin/busybox', 'sh', '-c', `/bin/busybox nc -w 5 ${a!.status.podIP} 8080 </dev/null`);
    expect(fromB.out, fromB.err).to.include(`hello-from-${a!.metadata.name}`);
    const clusterIp = kubectl(c, 'get', 'svc', name, '-o', 'jsonpath={.spec.clusterIP}').out;
    await waitFor('the Service through kube-proxy', () => new RegExp(`hello-from-${name}-`).test(kubectl(c, 'exec', a!.metadata.name, '--', '/bin/busybox', 'sh', '-c', `/bin/busybox nc -w 5 ${clusterIp} 80 </dev/null`).out), 60_000);
  }

  /** Each node: a vxlan flannel.1 (VNI 1, port 8472) and subnet.env with the node's podCIDR. */
  async function flannelOnEveryNode(c: Cluster): Promise<void> {
    for (let i = 0; i < c.hosts.length; i++) {
      const link = await on(c, i, 'ip -d link show flannel.1');
      expect(link).to.match(/vxlan id 1 /);
      expect(link).to.include('dstport 8472');
      const env = await on(c, i, 'cat /run/flannel/subnet.env');
      expect(env).to.include('FLANNEL_NETWORK=10.244.0.0/16');
      const cidr = kubectl(c, 'get', 'node', c.lab.hosts[i]!.name, '-o', 'jsonpath={.spec.podCIDR}').out;
      expect(env).to.include(`FLANNEL_SUBNET=${cidr.replace(/\.0\/24$/, '.1/24')}`);
    }
  }

  describe('flannel_deployment: daemonset (3 hosts)', function () {
    let c: Cluster;
    skipAfterFailure();

    before(async function () {
      this.timeout(LAB_START_TIMEOUT_MS);
      const t0 = Date.now();
      c = await cluster('flannel', 3, { flannel_image_repo: image.repo, flannel_image_tag: image.tag, flannel_cni_image_repo: image.repo, flannel_cni_image_tag: image.tag, flannel_image_pull_policy: 'Never' }, k8s.filesRepo);
      timings.daemonsetLabUp = Date.now() - t0;
    });
    after(async function () {
      this.timeout(LAB_STOP_TIMEOUT_MS);
      await server?.close();
      server = undefined;
      await c?.stop();
    });

    it('the real run builds the cluster with the flannel DaemonSet; every node has flannel.1 and subnet.env', async function () {
      this.timeout(900_000);
      const t0 = Date.now();
      const r = await run(c, 'site.yml');
      timings.daemonsetFirstRun = Date.now() - t0;
      expect(failures(r), r.stdout.slice(-6000) + r.stderr).to.deep.equal([]);
      expect(r.code, r.stderr).to.equal(0);
      const ds = JSON.parse(kubectl(c, '-n', 'kube-flannel', 'get', 'ds', 'kube-flannel-ds', '-o', 'json').out) as { status: { numberReady: number }; spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } };
      expect(ds.status.numberReady).to.equal(3);
      expect(ds.spec.template.spec.containers[0]!.image).to.equal(image.image);
      expect(ds.spec.template.spec.containers[0]!.args).to.deep.equal(['--ip-masq', '--kube-subnet-mgr']);
      const net = JSON.parse(kubectl(c, '-n', 'kube-flannel', 'get', 'cm', 'kube-flannel-cfg', '-o', 'jsonpath={.data.net-conf\\.json}').out) as { Network: string; Backend: { Type: string } };
      expect(net.Network).to.equal('10.244.0.0/16');
      expect(net.Backend.Type).to.equal('vxlan');
      await flannelOnEveryNode(c);
      // the init container put the plugin into the host's CNI dir (the lab's Debian /usr/lib/cni)
      expect(await on(c, 1, 'ls /usr/lib/cni/flannel /etc/cni/net.d/10-flannel.conflist')).to.include('flannel');
    });

    it('pods on two nodes reach each other over vxlan; a ClusterIP Service works', async function () {
      this.timeout(300_000);
      const t0 = Date.now();
      await podsAcrossNodes(c, 'echo');
      timings.daemonsetPods = Date.now() - t0;
    });

    it('a second run and a check after it change nothing', async function () {
      this.timeout(600_000);
      const t0 = Date.now();
      const second = await run(c, 'site.yml');
      expect(second.code, second.stdout.slice(-4000) + second.stderr).to.equal(0);
      expect(changedTasks(second)).to.deep.equal([]);
      const check = await run(c, 'site.yml', '--check', '--diff');
      expect(check.code, check.stdout.slice(-4000) + check.stderr).to.equal(0);
      expect(changedTasks(check)).to.deep.equal([]);
      timings.daemonsetSecondRunAndCheck = Date.now() - t0;
    });

    it('a changed kube_pods_subnet on the live cluster is refused before anything changes', async function () {
      this.timeout(300_000);
      const before = await c.state(LISTING);
      const cm = kubectl(c, '-n', 'kube-flannel', 'get', 'cm', 'kube-flannel-cfg', '-o', 'jsonpath={.metadata.resourceVersion}').out;
      const t0 = Date.now();
      const r = await run(c, GUARDED_SITE, '-e', 'kube_pods_subnet=10.200.0.0/16');
      timings.refusedRun = Date.now() - t0;
      expect(r.code).not.to.equal(0);
      expect(r.stdout + r.stderr).to.include('kube_pods_subnet is 10.200.0.0/16 but the live flannel network');
      expect(r.stdout + r.stderr).to.include('Set kube_pods_subnet back to 10.244.0.0/16');
      expect(changedTasks(r)).to.deep.equal([]);
      expect(await c.state(LISTING)).to.deep.equal(before);
      expect(kubectl(c, '-n', 'kube-flannel', 'get', 'cm', 'kube-flannel-cfg', '-o', 'jsonpath={.metadata.resourceVersion}').out).to.equal(cm);
      // the unchanged inventory passes the same guard
      const ok = await run(c, GUARDED_SITE, '--check');
      expect(ok.code, ok.stdout.slice(-3000) + ok.stderr).to.equal(0);
      expect(changedTasks(ok)).to.deep.equal([]);
    });

    it('no private key appears in any output', function () {
      expect(c.outputs.join('\n')).not.to.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    });
  });

  describe('flannel_deployment: host (2 hosts)', function () {
    let c: Cluster;
    skipAfterFailure();
    before(async function () {
      this.timeout(LAB_START_TIMEOUT_MS);
      const t0 = Date.now();
      // flanneld and the CNI plugin archive where the role asks files_repo for them (upstream's
      // layout), beside the Kubernetes binaries; the versions are the ones built in ../shared/k8s
      const root = mkdtempSync(join(tmpdir(), 'kplay-flannel-files-'));
      for (const top of ['dl.k8s.io']) symlinkSync(join(k8s.filesRepo, top), join(root, top));
      const flannelDir = join(root, 'github.com/flannel-io/flannel/releases/download/v0.20.2');
      mkdirSync(flannelDir, { recursive: true });
      copyFileSync(k8s.file('flannel/flanneld'), join(flannelDir, 'flanneld-amd64'));
      const cniDir = join(root, 'github.com/flannel-io/cni-plugin/releases/download/v0.9.1');
      mkdirSync(cniDir, { recursive: true });
      const stage = mkdtempSync(join(tmpdir(), 'kplay-flannel-cni-'));
      copyFileSync(k8s.file('flannel/flannel'), join(stage, 'flannel-amd64'));
      const tgz = join(cniDir, 'cni-plugin-flannel-linux-amd64-v0.9.1.tgz');
      execFileSync('tar', ['-czf', tgz, '-C', stage, 'flannel-amd64']);
      writeFileSync(`${tgz}.sha256`, `${sha256(tgz)}  cni-plugin-flannel-linux-amd64-v0.9.1.tgz\n`);
      // the cluster DNS over this network: CoreDNS's archive beside them, its image on the hosts
      const corednsVars = corednsRelease(k8s, root);
      const flannelVars = { flannel_deployment: 'host', flannel_version: '0.20.2', flannel_cni_version: '0.9.1', flannel_binary_checksum: `sha256:${sha256(k8s.file('flannel/flanneld'))}` };
      c = await cluster('flannel-host', 2, { ...flannelVars, dns_mode: 'coredns', ...corednsVars }, root, await corednsImage(k8s.file('coredns/coredns')));
      timings.hostLabUp = Date.now() - t0;
    });

    it('flanneld runs as a systemd unit on each node; flannel.1 and subnet.env; a second run changes nothing', async function () {
      this.timeout(900_000);
      const t0 = Date.now();
      const r = await run(c, 'site.yml');
      timings.hostFirstRun = Date.now() - t0;
      expect(failures(r), r.stdout.slice(-6000) + r.stderr).to.deep.equal([]);
      expect(r.code, r.stderr).to.equal(0);
      for (let i = 0; i < c.hosts.length; i++) {
        expect((await on(c, i, 'systemctl is-active flanneld')).trim()).to.equal('active');
        expect(await on(c, i, 'stat -c %a /etc/kube-flannel/kubeconfig')).to.equal('600\n');
      }
      await flannelOnEveryNode(c);
      expect(kubectl(c, 'get', 'ns', 'kube-flannel', '--ignore-not-found', '-o', 'name').out).to.equal('');
      const t1 = Date.now();
      const second = await run(c, 'site.yml');
      timings.hostSecondRun = Date.now() - t1;
      expect(second.code, second.stdout.slice(-4000) + second.stderr).to.equal(0);
      expect(changedTasks(second)).to.deep.equal([]);
      expect(Object.keys(recap(second)).length).to.be.greaterThan(1);
    });

    it('pods on the two nodes reach each other; a ClusterIP Service works', async function () {
      this.timeout(300_000);
      await podsAcrossNodes(c, 'echo');
    });

    it('a pod on each node resolves kubernetes.default and a Service name through CoreDNS over flannel host mode', async function () {
      this.timeout(300_000);
      const t0 = Date.now();
      await dnsFromEveryNode((...args) => kubectl(c, ...args), c.lab.hosts.map((h) => h.name), c.inv, 'flannel-host');
      timings.hostDns = Date.now() - t0;
      expect(c.outputs.join('\n')).not.to.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    });
  });
});
