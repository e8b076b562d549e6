/**
 * Role apps/coredns on 3 lab hosts prepared for Kubernetes (1 control plane, 2 workers) after
 * site.yml, with the real Kubernetes v1.36.3 binaries (OpenShift's fork) and CoreDNS 1.11.3
 * (OpenShift's fork) of ../shared/k8s: the binaries through the test's artifact server
 * (files_repo), CoreDNS as a local image `localhost/kplay/coredns:test` that the containerd role
 * imports (containerd_preload_images). Proves: a pod on every node resolves kubernetes.default and
 * a Service name through the kube-dns Service; a second run changes nothing; a changed cache TTL
 * in --check --diff shows exactly the ConfigMap's diff and writes nothing; coredns_deployment:
 * host on the same cluster (units on the control plane, an EndpointSlice behind the same Service)
 * answers too, and the Deployment is gone.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump as dumpYaml, load as loadYaml } from 'js-yaml';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, changedTasks, kplay, type KplayRun } from '../../support/kplay.ts';
import { copyLabInventory, startRoleLab, type RoleLab } from '../../support/role-lab.ts';
import { waitFor } from '../../support/until.ts';
import { skipAfterFailure } from '../../support/steps.ts';
import { corednsRelease, dnsFromEveryNode } from '../../support/cluster-dns.ts';
import { k8sBinaries, type K8sBinaries } from '../../support/k8s-binaries.ts';
import { startArtifactServer, type ArtifactServer } from '../../support/artifact-server.ts';
import { COREDNS_IMAGE, corednsImage } from '../../support/coredns-image.ts';
import type { Transport } from '../../../engine/transport/transport.ts';
import { ensureFlannelImage } from '../../support/flannel-image.ts';

const FIXTURE = join(import.meta.dirname, '../../fixtures/roles/coredns');
const HOST_IMAGE = '/var/lib/kplay-lab/images/coredns.tar';
/** What check mode must leave untouched on every host: what the role writes (the cluster's own
 * state under /var/lib changes by itself while pods run). */
const LISTING = 'find /etc/coredns /etc/kubernetes /etc/systemd/system /usr/local/bin /var/cache/kplay -xdev -printf "%p %m %u %s %T@\\n" 2>/dev/null | sort';

const HOST_FLANNEL_IMAGE = '/var/lib/kplay-lab/images/flannel-test.tar';

describe('role apps/coredns after site.yml with flannel on 3 lab hosts (real v1.36 binaries, CoreDNS 1.11.3 and flanneld images)', function () {
  let rl: RoleLab | undefined;
  let lab: RoleLab['lab'];
  let server: ArtifactServer | undefined;
  let k8s: K8sBinaries;
  let hosts: Transport[] = [];
  let inv: string;
  let kubeconfig: string;
  let work: string;
  const outputs: string[] = [];
  const timings: string[] = [];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    k8s = k8sBinaries(this);
    const t0 = Date.now();
    const image = await corednsImage(k8s.file('coredns/coredns'));
    // the pod network is flannel's vxlan (a local image of flanneld built from source): DNS is
    // proven over the default network, not only over the lab's bridge network
    const flannel = await ensureFlannelImage(k8s.file('flannel/flanneld'), k8s.file('flannel/flannel'));
    rl = await startRoleLab(3, { name: 'coredns', kubernetes: true });
    ({ lab, hosts, dir: work } = rl);
    // files_repo: the Kubernetes binaries, and CoreDNS's release archive as upstream names it
    const repo = join(work, 'repo');
    mkdirSync(repo);
    symlinkSync(join(k8s.filesRepo, 'dl.k8s.io'), join(repo, 'dl.k8s.io'));
    const corednsVars = corednsRelease(k8s, repo);
    await Promise.all(hosts.map((t) => t.putFile(image, HOST_IMAGE, { mode: '0644' })));
    await Promise.all(hosts.map((t) => t.putFile(flannel.tarball, HOST_FLANNEL_IMAGE, { mode: '0644' })));
    server = await startArtifactServer({ root: repo, host: lab.controllerAddress });

    inv = join(work, 'inventory');
    mkdirSync(inv);
    copyLabInventory(lab, inv);
    // the lab's list of images to import, plus CoreDNS's
    const labVarsPath = join(inv, 'group_vars', 'all', 'lab-kubernetes.yml');
    const labVars = loadYaml(readFileSync(labVarsPath, 'utf8')) as { containerd_preload_images: { archive: string; image: string }[] };
    labVars.containerd_preload_images.push({ archive: HOST_IMAGE, image: COREDNS_IMAGE }, { archive: HOST_FLANNEL_IMAGE, image: flannel.image });
    writeFileSync(labVarsPath, dumpYaml(labVars));
    writeFileSync(
      // sorts after lab-kubernetes.yml: its kube_network_plugin wins over the lab's bridge
      join(inv, 'group_vars', 'all', 'zz-test.yml'),
      JSON.stringify(
        {
          kube_network_plugin: 'flannel',
          flannel_image_repo: flannel.repo,
          flannel_image_tag: flannel.tag,
          flannel_cni_image_repo: flannel.repo,
          flannel_cni_image_tag: flannel.tag,
          flannel_image_pull_policy: 'Never',
          files_repo: server.url,
          ...k8s.checksumVars,
          ...corednsVars,
        },
        null,
        2,
      ),
    );
    kubeconfig = join(inv, 'credentials', 'admin.conf');
    timings.push(`setup (image, lab, inventory): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  skipAfterFailure();

  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    if (timings.length) console.log(`      timings: ${timings.join('; ')}`);
    await server?.close();
    await rl?.stop();
  });

  const run = async (playbook: string, ...extra: string[]): Promise<KplayRun> => {
    const t0 = Date.now();
    const r = await kplay('run', join(FIXTURE, playbook), '-i', inv, '--json', ...extra);
    timings.push(`${playbook} ${extra.join(' ')}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const listings = () => rl!.state(LISTING);
  const kubectl = (...args: string[]) => {
    const r = spawnSync(k8s.kubectl, ['--kubeconfig', kubeconfig, '--request-timeout=20s', ...args], { encoding: 'utf8' });
    return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  const ok = (r: KplayRun) => {
    expect(failures(r), r.stdout.slice(-6000) + r.stderr).to.deep.equal([]);
    expect(r.code, r.stdout.slice(-3000) + r.stderr).to.equal(0);
  };

  const nodes = () => lab.hosts.map((h) => h.name);

  it('site.yml (flannel) then the role: CoreDNS runs as a Deployment of 2 on different nodes behind kube-dns 10.96.0.10', async function () {
    this.timeout(900_000);
    const r = await run('site.yml');
    ok(r);
    for (const t of hosts) expect((await t.exec('ip -d link show flannel.1')).stdout).to.include('vxlan id 1');
    const svc = JSON.parse(kubectl('-n', 'kube-system', 'get', 'svc', 'kube-dns', '-o', 'json').out) as { spec: { clusterIP: string; selector?: Record<string, string> } };
    expect(svc.spec.clusterIP).to.equal('10.96.0.10');
    expect(svc.spec.selector).to.deep.equal({ 'k8s-app': 'kube-dns' });
    const pods = JSON.parse(kubectl('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'json').out) as { items: { spec: { nodeName: string; containers: { image: string }[] }; status: { phase: string } }[] };
    expect(pods.items.map((p) => p.status.phase)).to.deep.equal(['Running', 'Running']);
    expect(new Set(pods.items.map((p) => p.spec.nodeName)).size).to.equal(2);
    expect(pods.items[0]!.spec.containers[0]!.image).to.equal(COREDNS_IMAGE);
    const cm = kubectl('-n', 'kube-system', 'get', 'cm', 'coredns', '-o', 'jsonpath={.data.Corefile}').out;
    expect(cm).to.include('kubernetes cluster.local in-addr.arpa ip6.arpa').and.to.include('forward . /etc/resolv.conf').and.to.include('cache 30');
    // the kubelets give pods the cluster DNS (node role: clusterDNS = skydns_server)
    for (const t of hosts) expect((await t.exec('cat /etc/kubernetes/kubelet-config.yaml')).stdout).to.match(/clusterDNS:\s*\n\s*- "?10\.96\.0\.10"?/);
  });

  it('a pod on every node resolves kubernetes.default (10.96.0.1) and a Service name through CoreDNS', async function () {
    this.timeout(300_000);
    const t0 = Date.now();
    await dnsFromEveryNode(kubectl, nodes(), work, 'deployment');
    timings.push(`lookups (deployment): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('a second run changes nothing', async function () {
    this.timeout(600_000);
    const r = await run('site.yml');
    ok(r);
    expect(changedTasks(r)).to.deep.equal([]);
  });

  it('--check --diff with another cache TTL shows exactly the ConfigMap diff and writes nothing', async function () {
    this.timeout(300_000);
    const before = await listings();
    const cmBefore = kubectl('-n', 'kube-system', 'get', 'cm', 'coredns', '-o', 'jsonpath={.metadata.resourceVersion}').out;
    const r = await run('coredns.yml', '--check', '--diff', '-e', 'coredns_cache_ttl=15');
    ok(r);
    expect(changedTasks(r)).to.deep.equal([`${lab.hosts[0]!.name} coredns : CoreDNS objects (server-side apply; the Deployment's rollout waited for)`]);
    const ev = r.events.find((e) => e.type === 'host_result' && e.status === 'changed') as { changes: { summary: string; diff?: { before?: string; after?: string } }[] };
    const summaries = ev.changes.map((c) => c.summary);
    expect(summaries, JSON.stringify(ev.changes)).to.have.length(1);
    expect(summaries[0]).to.match(/ConfigMap kube-system\/coredns/);
    expect(ev.changes[0]!.diff?.before).to.include('cache 30');
    expect(ev.changes[0]!.diff?.after).to.include('cache 15');
    expect(await listings()).to.deep.equal(before);
    expect(kubectl('-n', 'kube-system', 'get', 'cm', 'coredns', '-o', 'jsonpath={.metadata.resourceVersion}').out).to.equal(cmBefore);
  });

  it('coredns_deployment: host on the same cluster: units on the control plane behind the same Service; the Deployment is gone; DNS answers on every node', async function () {
    this.timeout(600_000);
    const r = await run('coredns.yml', '-e', 'coredns_deployment=host');
    ok(r);
    const cp = lab.hosts[0]!;
    expect((await hosts[0]!.exec('systemctl is-active coredns')).stdout.trim()).to.equal('active');
    expect((await hosts[0]!.exec('stat -c "%a %U" /etc/coredns/kubeconfig')).stdout.trim()).to.equal('600 coredns');
    expect((await hosts[1]!.exec('test -e /etc/systemd/system/coredns.service')).rc).to.not.equal(0);
    expect(kubectl('-n', 'kube-system', 'get', 'deploy', 'coredns', '--ignore-not-found', '-o', 'name').out).to.equal('');
    expect(kubectl('-n', 'kube-system', 'get', 'svc', 'kube-dns', '-o', 'jsonpath={.spec.selector}').out).to.equal('');
    const slices = kubectl('-n', 'kube-system', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=kube-dns', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.endpoints[*].addresses[*]}{"\\n"}{end}');
    expect(slices.out.trim(), slices.err).to.equal(`kube-dns-hosts=${cp.address}`);
    await waitFor('the deployment pods to be gone', () => kubectl('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'name').out === '');
    const t0 = Date.now();
    await dnsFromEveryNode(kubectl, nodes(), work, 'host');
    timings.push(`lookups (host): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const again = await run('coredns.yml', '-e', 'coredns_deployment=host');
    ok(again);
    expect(changedTasks(again)).to.deep.equal([]);
  });

  it('no private key appears in any output', function () {
    const all = outputs.join('\n');
    expect(all).not.to.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });
});
