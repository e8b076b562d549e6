/**
 * network_plugin/calico against a REAL kube-apiserver v1.36.3 on loopback (test/support/apiserver.ts)
 * with kubectl v1.36.3, on the local machine (ansible_connection=local as kube_control_plane[0]).
 * No Calico image exists here and this apiserver has no kubelet, scheduler or controller-manager:
 * no calico-node runs, no CNI configuration is installed, no pod gets an address. Upstream's
 * crds.yaml is a STAND-IN (test/fixtures/roles/calico/crds.yaml: Calico's CRD names, group and
 * scopes, IPPool and FelixConfiguration with the fields the role writes) served by a local artifact
 * server in files_repo layout, with a test checksum override. Proves: download + checksum, the CRDs
 * Established, the rendered objects exist and say what the inventory says (IP pool = kube_pods_subnet,
 * block size, modes, CNI config with calico-ipam, images, host paths), a second run changes nothing,
 * --check --diff after changing calico_ipip_mode shows exactly the IP pool's change and writes
 * nothing, and a changed kube_pods_subnet, block size or backend is refused before anything changes.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kplay, recap, type KplayRun } from '../../support/kplay.ts';
import { startApiTestbed, type ApiTestbed } from '../../support/api-testbed.ts';
import type { Apiserver } from '../../support/apiserver.ts';

const FIX = join(import.meta.dirname, '../../fixtures/roles/calico');
const PLAYBOOK = join(FIX, 'calico.yml');
const VERSION = '3.30.6';
const crdsSha = `sha256:${createHash('sha256').update(readFileSync(join(FIX, 'crds.yaml'))).digest('hex')}`;

interface Obj {
  metadata: { resourceVersion: string; name: string };
  spec: Record<string, unknown>;
  data?: Record<string, string>;
  status?: { conditions?: { type: string; status: string }[] };
}

describe('network_plugin/calico against a real kube-apiserver (stand-in CRDs, no calico-node)', function () {
  this.timeout(300_000);
  let bed: ApiTestbed | undefined;
  let api: Apiserver;
  let cache: string;

  const vars = (over: Record<string, unknown> = {}) => ({
    kube_network_plugin: 'calico',
    kubectl_binary: api.kubectl,
    calico_admin_kubeconfig: api.kubeconfig,
    calico_download_dir: cache,
    files_repo: bed!.server.url,
    calico_version: VERSION,
    calico_crds_checksum: crdsSha,
    calico_wait: false,
    // the classic Calico network: BGP between the nodes, IPIP
    calico_network_backend: 'bird',
    calico_ipip_mode: 'Always',
    calico_vxlan_mode: 'Never',
    kube_pods_subnet: '10.244.0.0/16',
    cni_source: 'package',
    calico_node_image_repo: 'registry.example.org/calico/node',
    ...over,
  });
  const setVars = (over: Record<string, unknown> = {}) => bed!.writeVars('calico', vars(over));
  const run = (...extra: string[]) => kplay('run', PLAYBOOK, '-i', bed!.inventory, '--json', ...extra);
  const get = (...a: string[]) => JSON.parse(api.kubectlRun(['get', ...a, '-o', 'json'])) as Obj;
  const changedSummaries = (r: KplayRun) =>
    r.events.filter((e) => e.type === 'host_result' && e.status === 'changed').flatMap((e) => ((e.changes as { summary: string }[] | undefined) ?? []).map((c) => c.summary));
  const versions = () =>
    ['ippools.crd.projectcalico.org/default-pool', 'felixconfigurations.crd.projectcalico.org/default', 'configmap/calico-config', 'daemonset/calico-node', 'deployment/calico-kube-controllers'].map(
      (o) => api.kubectlRun(['get', '-n', 'kube-system', o, '-o', 'jsonpath={.metadata.resourceVersion}']),
    );

  before(async function () {
    bed = await startApiTestbed(this, 'calico', { [`github.com/projectcalico/calico/raw/v${VERSION}/manifests/crds.yaml`]: join(FIX, 'crds.yaml') });
    ({ api, cache } = bed);
    setVars();
  });
  after(async () => {
    await bed?.close();
  });

  it('applies the CRDs (Established) and the objects, with the IP pool = kube_pods_subnet', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(recap(r).localhost!.failed).to.equal(0);
    for (const crd of ['ippools', 'felixconfigurations', 'ipamblocks', 'blockaffinities', 'clusterinformations', 'networkpolicies']) {
      const c = get('crd', `${crd}.crd.projectcalico.org`);
      expect(c.status!.conditions!.find((x) => x.type === 'Established')?.status, crd).to.equal('True');
    }
    const pool = get('ippools.crd.projectcalico.org', 'default-pool');
    expect(pool.spec).to.deep.include({ cidr: '10.244.0.0/16', blockSize: 26, ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, nodeSelector: 'all()' });
    expect(get('felixconfigurations.crd.projectcalico.org', 'default').spec).to.deep.include({ vxlanVNI: 4096, vxlanPort: 4789, logSeverityScreen: 'Info' });

    const cm = get('configmap', '-n', 'kube-system', 'calico-config');
    expect(cm.data!.calico_backend).to.equal('bird');
    const cni = cm.data!.cni_network_config!;
    expect(cni).to.include('"type": "calico-ipam"').and.include('"datastore_type": "kubernetes"').and.include('__CNI_MTU__').and.not.include('host-local');

    const ds = JSON.stringify(get('daemonset', '-n', 'kube-system', 'calico-node').spec);
    expect(ds).to.include(`registry.example.org/calico/node:v${VERSION}`).and.include(`quay.io/calico/cni:v${VERSION}`);
    expect(ds).to.include('"path":"/usr/lib/cni"'); // cni_bin_dir of Debian's plugins (cni_source: package)
    expect(ds).to.include('"name":"NO_DEFAULT_POOLS","value":"true"').and.include('can-reach=$(NODEIP)').and.include('-bird-ready');
    expect(ds).to.include('"name":"CLUSTER_TYPE","value":"k8s,bgp"');
    expect(JSON.stringify(get('deployment', '-n', 'kube-system', 'calico-kube-controllers').spec)).to.include(`quay.io/calico/kube-controllers:v${VERSION}`);
    for (const o of ['serviceaccount/calico-node', 'serviceaccount/calico-cni-plugin', 'serviceaccount/calico-kube-controllers', 'poddisruptionbudget/calico-kube-controllers']) {
      api.kubectlRun(['get', '-n', 'kube-system', o]);
    }
    for (const o of ['clusterrole/calico-node', 'clusterrolebinding/calico-node', 'clusterrole/calico-cni-plugin', 'clusterrolebinding/calico-cni-plugin', 'clusterrole/calico-kube-controllers', 'clusterrolebinding/calico-kube-controllers']) {
      api.kubectlRun(['get', o]);
    }
    // the calico-node ServiceAccount may mint tokens for the CNI plugin's ServiceAccount only
    expect(api.kubectlRun(['auth', 'can-i', 'create', 'serviceaccounts/calico-cni-plugin', '--subresource=token', '-n', 'kube-system', '--as=system:serviceaccount:kube-system:calico-node']).trim()).to.equal('yes');
    expect(readdirSync(cache)).to.deep.equal([`calico-${VERSION}-crds.yaml`]);
  });

  it('a second run reports changed=0', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(recap(r).localhost!.changed, changedSummaries(r).join('\n')).to.equal(0);
  });

  it('--check --diff after calico_ipip_mode changed shows exactly the IP pool and writes nothing', async () => {
    setVars({ calico_ipip_mode: 'CrossSubnet' });
    const before = versions();
    const cacheBefore = readdirSync(cache).sort();
    const r = await run('--check', '--diff');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const changes = changedSummaries(r);
    expect(changes, JSON.stringify(changes)).to.deep.equal(['configure IPPool default-pool']);
    expect(recap(r).localhost!.changed).to.equal(1);
    const diff = JSON.stringify(r.events.filter((e) => e.type === 'host_result' && e.status === 'changed'));
    expect(diff).to.include('CrossSubnet');
    expect(versions()).to.deep.equal(before);
    expect(readdirSync(cache).sort()).to.deep.equal(cacheBefore);
    expect(get('ippools.crd.projectcalico.org', 'default-pool').spec.ipipMode).to.equal('Always');
  });

  it('the real run then changes the IP pool only, and again nothing', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(changedSummaries(r)).to.deep.equal(['configure IPPool default-pool']);
    expect(get('ippools.crd.projectcalico.org', 'default-pool').spec.ipipMode).to.equal('CrossSubnet');
    const again = await run();
    expect(recap(again).localhost!.changed, changedSummaries(again).join('\n')).to.equal(0);
  });

  for (const [what, over, message] of [
    ['kube_pods_subnet', { kube_pods_subnet: '10.245.0.0/16' }, 'kube_pods_subnet is 10.245.0.0/16 but the live Calico IP pool default-pool is 10.244.0.0/16'],
    ['calico_pool_blocksize', { calico_pool_blocksize: 24 }, 'calico_pool_blocksize is 24 but the live Calico IP pool default-pool has blockSize 26'],
    ['calico_network_backend', { calico_network_backend: 'vxlan', calico_ipip_mode: 'Never', calico_vxlan_mode: 'Always' }, 'calico_network_backend is vxlan but the live calico-config has calico_backend bird'],
  ] as const) {
    it(`a changed ${what} on the live cluster is refused before anything changes (also in check mode)`, async () => {
      setVars({ calico_ipip_mode: 'CrossSubnet', ...over });
      const before = versions();
      for (const extra of [['--check', '--diff'], []]) {
        const r = await run(...extra);
        expect(r.code, r.stdout + r.stderr).to.not.equal(0);
        expect(JSON.stringify(r.events)).to.include(message).and.include('Nothing was changed');
        expect(recap(r).localhost!.changed, changedSummaries(r).join('\n')).to.equal(0);
        expect(versions()).to.deep.equal(before);
      }
      setVars({ calico_ipip_mode: 'CrossSubnet' });
    });
  }

  it("the defaults (vxlan backend, VXLAN Always) plan a pool and a calico-node without BGP (--check, a cluster not reachable yet)", async () => {
    setVars({ calico_network_backend: undefined, calico_ipip_mode: undefined, calico_vxlan_mode: undefined, calico_admin_kubeconfig: join(cache, 'absent.conf') });
    const r = await run('--check', '--diff');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const after = (id: string) =>
      (r.events.filter((e) => e.type === 'host_result').flatMap((e) => (e.changes as { summary: string; diff?: { after?: string } }[] | undefined) ?? []).find((c) => c.summary.startsWith(`create ${id} `))?.diff?.after) ?? '';
    expect(after('IPPool default-pool')).to.include('vxlanMode: Always').and.include('ipipMode: Never').and.include('cidr: 10.244.0.0/16');
    expect(after('ConfigMap kube-system/calico-config')).to.include('calico_backend: vxlan');
    const ds = after('DaemonSet kube-system/calico-node');
    expect(ds).to.include('-felix-ready').and.not.include('-bird');
    expect(ds).to.match(/name: CLUSTER_TYPE\s+value: k8s\n/);
    setVars({ calico_ipip_mode: 'CrossSubnet' });
  });

  it('a version without a pinned CRD checksum is refused', async () => {
    setVars({ calico_version: '3.99.0', calico_crds_checksum: undefined, calico_ipip_mode: 'CrossSubnet' });
    const r = await run();
    expect(r.code).to.not.equal(0);
    expect(JSON.stringify(r.events)).to.include('no pinned checksum for the Calico 3.99.0 CRDs');
    setVars({ calico_ipip_mode: 'CrossSubnet' });
  });
});
