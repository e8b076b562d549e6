/**
 * playbooks/addons.yml against a REAL kube-apiserver v1.36.3 on loopback (test/support/apiserver.ts)
 * with kubectl v1.36.3, on the local machine (ansible_connection=local as kube_control_plane[0]).
 * No image can run here (no kubelet, no internet): upstream manifests are STAND-INS served by a
 * local artifact server in files_repo layout, with test checksum overrides. Proves the mechanism:
 * download + checksum, apply, CRDs Established, objects exist, changed=0 again, check --diff shows
 * one object's change and writes nothing, disabling removes the objects.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kplay, recap } from '../../support/kplay.ts';
import { startApiTestbed, type ApiTestbed } from '../../support/api-testbed.ts';
import type { Apiserver } from '../../support/apiserver.ts';

const FIX = join(import.meta.dirname, '../../fixtures/roles/addons');
const sha = (f: string) => `sha256:${createHash('sha256').update(readFileSync(join(FIX, f))).digest('hex')}`;

describe('addons.yml against a real kube-apiserver (stand-in manifests)', function () {
  this.timeout(300_000);
  let bed: ApiTestbed | undefined;
  let api: Apiserver;
  let cache: string;

  const vars = (over: Record<string, unknown> = {}) => ({
    addons_kubectl: api.kubectl,
    addons_kubeconfig: api.kubeconfig,
    addons_download_dir: cache,
    files_repo: bed!.server.url,
    metrics_server_enabled: true,
    gateway_api_enabled: true,
    gateway_api_crds_checksum: sha('gateway-api-standard-install.yaml'),
    nginx_gateway_fabric_crds_checksum: sha('ngf-crds.yaml'),
    nginx_gateway_fabric_checksum: sha('ngf-deploy.yaml'),
    cert_manager_enabled: true,
    cert_manager_checksum: sha('cert-manager.yaml'),
    cert_manager_acme_email: 'ops@example.org',
    kube_prometheus_enabled: true,
    kube_prometheus_crds_checksum: sha('prometheus-operator-crds.yaml'),
    ...over,
  });
  const setVars = (over: Record<string, unknown> = {}) => bed!.writeVars('addons', vars(over));
  const run = (...extra: string[]) => kplay('run', 'playbooks/addons.yml', '-i', bed!.inventory, '--json', ...extra);
  const get = (...a: string[]) => JSON.parse(api.kubectlRun(['get', ...a, '-o', 'json'])) as { items?: unknown[]; status?: { conditions?: { type: string; status: string }[] }; spec?: Record<string, unknown> };
  const exists = (...a: string[]) => {
    try {
      api.kubectlRun(['get', ...a]);
      return true;
    } catch {
      return false;
    }
  };

  before(async function () {
    bed = await startApiTestbed(this, 'addons', {
      'github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.1/standard-install.yaml': join(FIX, 'gateway-api-standard-install.yaml'),
      'raw.githubusercontent.com/nginx/nginx-gateway-fabric/v2.2.1/deploy/crds.yaml': join(FIX, 'ngf-crds.yaml'),
      'raw.githubusercontent.com/nginx/nginx-gateway-fabric/v2.2.1/deploy/default/deploy.yaml': join(FIX, 'ngf-deploy.yaml'),
      'github.com/cert-manager/cert-manager/releases/download/v1.19.1/cert-manager.yaml': join(FIX, 'cert-manager.yaml'),
      'github.com/prometheus-operator/prometheus-operator/releases/download/v0.88.1/stripped-down-crds.yaml': join(FIX, 'prometheus-operator-crds.yaml'),
    });
    ({ api, cache } = bed);
    setVars();
  });
  after(async () => {
    await bed?.close();
  });

  it('applies every enabled add-on: CRDs Established, Deployments created, the ClusterIssuer', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(recap(r).localhost!.failed).to.equal(0);
    for (const crd of ['gateways.gateway.networking.k8s.io', 'clusterissuers.cert-manager.io', 'prometheuses.monitoring.coreos.com', 'nginxproxies.gateway.nginx.org']) {
      expect(get('crd', crd).status!.conditions!.find((c) => c.type === 'Established')?.status, crd).to.equal('True');
    }
    for (const [ns, d] of [['kube-system', 'metrics-server'], ['nginx-gateway', 'nginx-gateway'], ['cert-manager', 'cert-manager'], ['cert-manager', 'cert-manager-webhook'], ['monitoring', 'grafana'], ['monitoring', 'kube-state-metrics'], ['monitoring', 'prometheus-operator']]) {
      expect(exists('deployment', '-n', ns!, d!), `${ns}/${d}`).to.equal(true);
    }
    expect(exists('daemonset', '-n', 'monitoring', 'node-exporter')).to.equal(true);
    expect(exists('apiservice', 'v1beta1.metrics.k8s.io')).to.equal(true);
    expect(exists('prometheus', '-n', 'monitoring', 'k8s')).to.equal(true);
    expect(exists('alertmanager', '-n', 'monitoring', 'main')).to.equal(true);
    expect(get('clusterissuer', 'letsencrypt-staging').spec).to.deep.include({});
    expect(JSON.stringify(get('clusterissuer', 'letsencrypt-staging').spec)).to.include('acme-staging-v02').and.include('ops@example.org');
    const args = JSON.stringify(get('deployment', '-n', 'kube-system', 'metrics-server').spec);
    expect(args).to.include('--kubelet-certificate-authority=').and.not.include('--kubelet-insecure-tls');
  });

  it('a second run reports changed=0', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(recap(r).localhost!.changed, r.stdout).to.equal(0);
  });

  it('--check --diff after one variable changed shows exactly that object and writes nothing', async () => {
    setVars({ metrics_server_kubelet_insecure_tls: true });
    const before = api.kubectlRun(['get', 'deployment', '-n', 'kube-system', 'metrics-server', '-o', 'jsonpath={.metadata.resourceVersion}']);
    const cacheBefore = readdirSync(cache).sort();
    const r = await run('--check', '--diff');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const changed = r.events.filter((e) => e.type === 'host_result' && e.status === 'changed');
    const summaries = JSON.stringify(changed);
    expect(summaries).to.include('configure Deployment kube-system/metrics-server');
    expect(recap(r).localhost!.changed, summaries).to.equal(1);
    expect(summaries).to.include('--kubelet-insecure-tls');
    expect(api.kubectlRun(['get', 'deployment', '-n', 'kube-system', 'metrics-server', '-o', 'jsonpath={.metadata.resourceVersion}'])).to.equal(before);
    expect(readdirSync(cache).sort()).to.deep.equal(cacheBefore);
    setVars();
  });

  it('disabling the add-ons removes their objects', async () => {
    setVars({ metrics_server_enabled: false, gateway_api_enabled: false, cert_manager_enabled: false, kube_prometheus_enabled: false });
    const r = await run();
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(exists('deployment', '-n', 'kube-system', 'metrics-server')).to.equal(false);
    expect(exists('apiservice', 'v1beta1.metrics.k8s.io')).to.equal(false);
    expect(exists('crd', 'gateways.gateway.networking.k8s.io')).to.equal(false);
    expect(exists('crd', 'clusterissuers.cert-manager.io')).to.equal(false);
    expect(exists('crd', 'prometheuses.monitoring.coreos.com')).to.equal(false);
    expect(exists('clusterrole', 'prometheus-operator')).to.equal(false);
    // a second disabled run deletes nothing more; only Namespaces can still be there: this test
    // apiserver has no namespace controller, so a deleted Namespace stays Terminating for ever
    const again = await run();
    const left = again.events.filter((e) => e.type === 'host_result' && e.status === 'changed').flatMap((e) => (e.changes as { summary: string }[]).map((c) => c.summary));
    expect(left.filter((x) => !/^delete Namespace /.test(x)), left.join('\n')).to.deep.equal([]);
  });
});
