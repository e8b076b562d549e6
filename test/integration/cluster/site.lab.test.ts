/**
 * `kplay run site.yml` builds a real HA Kubernetes v1.36 cluster on 4 lab hosts prepared for
 * Kubernetes (`kplay lab up 4 --kubernetes`): 3 control planes with etcd, 2 of them the lb pair
 * holding the VIP, 1 worker. Binaries come from ../shared/k8s through an artifact server in the
 * lab's network (files_repo), etcd/containerd/runc/CNI plugins from the image's Debian packages
 * (the lab's group_vars). One cluster for the whole file: each step builds on the one before.
 */
import { expect } from 'chai';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { failures, changedTasks, kplay, mispredictions, recap, type KplayRun } from '../../support/kplay.ts';
import { waitFor } from '../../support/until.ts';
import { k8sBinaries, type K8sBinaries } from '../../support/k8s-binaries.ts';
import { startArtifactServer, type ArtifactServer } from '../../support/artifact-server.ts';
import type { Transport } from '../../../engine/transport/transport.ts';

const execFileAsync = promisify(execFile);
/** What check mode must leave untouched on every host. */
const LISTING = 'find /etc /usr/local /opt /var/lib -xdev -printf "%p %m %s %T@\\n" 2>/dev/null | grep -v -e "^/var/lib/systemd/" -e "^/etc/ld.so.cache" | sort';

describe('site.yml: an HA Kubernetes cluster on 4 lab hosts', function () {
  let lab: Lab | undefined;
  let server: ArtifactServer | undefined;
  let k8s: K8sBinaries;
  let hosts: Transport[] = [];
  let inv: string;
  let vip: string;
  let authPass: string;
  let kubeconfig: string;
  const outputs: string[] = [];
  let firstCheck: KplayRun | undefined;
  let firstReal: KplayRun | undefined;

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    k8s = k8sBinaries(this);
    lab = await startLab(4, { name: 'site', kubernetes: true });
    hosts = await Promise.all(lab.hosts.map((_h, i) => lab!.transport(i)));
    server = await startArtifactServer({ root: k8s.filesRepo, host: lab.controllerAddress });

    // the lab's inventory as `kplay lab up 4 --kubernetes` writes it (Kubespray's groups, the
    // VIP, the lab's variables), copied so that the PKI and credentials stay with this test
    inv = mkdtempSync(join(tmpdir(), 'kplay-site-'));
    copyFileSync(lab.inventoryPath, join(inv, 'inventory.ini'));
    copyFileSync(lab.knownHostsPath, join(inv, 'known_hosts'));
    cpSync(join(dirname(lab.inventoryPath), 'group_vars'), join(inv, 'group_vars'), { recursive: true });
    const labVars = loadYaml(readFileSync(join(inv, 'group_vars', 'all', 'lab-kubernetes.yml'), 'utf8')) as { loadbalancer_apiserver: { address: string }; keepalived_auth_pass: string };
    vip = labVars.loadbalancer_apiserver.address;
    authPass = labVars.keepalived_auth_pass;
    // the binaries of ../shared/k8s from the artifact server, in place of dl.k8s.io
    writeFileSync(join(inv, 'group_vars', 'all', 'artifacts.yml'), JSON.stringify({ files_repo: server.url, ...k8s.checksumVars }, null, 2));
    kubeconfig = join(inv, 'credentials', 'admin.conf');
  });

  // each step builds on the one before: after a failure the rest would only repeat it
  let failed = false;
  beforeEach(function () {
    if (failed) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await server?.close();
    await lab?.stop();
  });

  const run = async (...extra: string[]): Promise<KplayRun> => {
    const r = await kplay('run', 'site.yml', '-i', inv, '--json', ...extra);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const listings = () => Promise.all(hosts.map(async (t) => (await t.exec(LISTING)).stdout));
  const kubectl = (...args: string[]) => {
    const r = spawnSync(k8s.kubectl, ['--kubeconfig', kubeconfig, '--request-timeout=20s', ...args], { encoding: 'utf8' });
    return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  const on = async (i: number, cmd: string) => {
    const r = await hosts[i]!.exec(cmd);
    expect(r.rc, `${cmd}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };

  it('--check --diff on fresh hosts plans the whole cluster without a failure and writes nothing', async function () {
    this.timeout(600_000);
    const before = await listings();
    const r = await run('--check', '--diff');
    firstCheck = r;
    expect(failures(r), r.stdout.slice(-4000) + r.stderr).to.deep.equal([]);
    expect(r.code, r.stderr).to.equal(0);
    expect(await listings()).to.deep.equal(before);
    expect(existsSync(join(inv, 'pki')), 'check mode wrote the controller PKI').to.equal(false);
    for (const h of lab!.hosts) expect(recap(r)[h.name]!.changed, h.name).to.be.greaterThan(0);
  });

  it('the real run builds the cluster; /readyz answers through the VIP with the controller admin.conf', async function () {
    this.timeout(1_200_000);
    const r = await run();
    firstReal = r;
    expect(failures(r), r.stdout.slice(-6000) + r.stderr).to.deep.equal([]);
    expect(r.code, r.stderr).to.equal(0);
    expect(readFileSync(kubeconfig, 'utf8')).to.include(`server: https://${vip}:8443`);
    const ready = kubectl('get', '--raw', '/readyz');
    expect(ready.out.trim(), ready.err).to.equal('ok');
    // each artifact crossed the network once, whatever the number of hosts that needed it
    for (const [path, n] of Object.entries(server!.counts())) expect(n, path).to.equal(1);
  });

  it('check mode on the fresh hosts predicted the real run, task by task and host by host', function () {
    expect(mispredictions(firstCheck!, firstReal!)).to.deep.equal([]);
  });

  it('the scheduler and controller-manager leases are held; all 4 nodes are Ready, control planes tainted', async function () {
    this.timeout(300_000);
    for (const lease of ['kube-scheduler', 'kube-controller-manager']) {
      const holder = kubectl('-n', 'kube-system', 'get', 'lease', lease, '-o', 'jsonpath={.spec.holderIdentity}');
      expect(holder.out, holder.err).to.match(/kplay-site-h[123]/);
    }
    await waitFor('4 Ready nodes', () => {
      const r = kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');
      return r.out.trim().split('\n').filter((l) => l.endsWith('=True')).length === 4;
    });
    for (const i of [0, 1, 2]) {
      const taints = kubectl('get', 'node', lab!.hosts[i]!.name, '-o', 'jsonpath={.spec.taints[*].key}');
      expect(taints.out).to.include('node-role.kubernetes.io/control-plane');
    }
    // the node lifecycle controller removes node.kubernetes.io/not-ready a moment after Ready
    await waitFor('no taint on the worker', () => kubectl('get', 'node', lab!.hosts[3]!.name, '-o', 'jsonpath={.spec.taints}').out === '', 60_000);
  });

  it('a Deployment of 2 busybox pods runs on different nodes; a pod reaches the other and a ClusterIP Service; exec and logs work', async function () {
    this.timeout(300_000);
    const labels = { app: 'echo' };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }] } },
            containers: [{
              name: 'echo',
              image: 'localhost/kplay/busybox:lab',
              imagePullPolicy: 'Never',
              command: ['/bin/busybox', 'sh', '-c', 'echo started $HOSTNAME; while true; do echo hello-from-$HOSTNAME | /bin/busybox nc -l -p 8080; done'],
            }],
          },
        },
      },
    };
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } };
    const file = join(mkdtempSync(join(tmpdir(), 'kplay-site-objects-')), 'echo.json'); // not in the inventory dir: -i reads every file there
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deployment, service] }));
    const apply = kubectl('apply', '-f', file);
    expect(apply.rc, apply.err).to.equal(0);
    await waitFor('2 Running pods', () => kubectl('get', 'pods', '-l', 'app=echo', '-o', 'jsonpath={.items[*].status.phase}').out === 'Running Running');
    const pods = JSON.parse(kubectl('get', 'pods', '-l', 'app=echo', '-o', 'json').out) as { items: { metadata: { name: string }; spec: { nodeName: string }; status: { podIP: string } }[] };
    const [a, b] = pods.items;
    expect(a!.spec.nodeName).not.to.equal(b!.spec.nodeName);
    const fromA = kubectl('exec', a!.metadata.name, '--', '/bin/busybox', 'sh', '-c', `/bin/busybox nc -w 5 ${b!.status.podIP} 8080 </dev/null`);
    expect(fromA.out, fromA.err).to.include(`hello-from-${b!.metadata.name}`);
    const clusterIp = kubectl('get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}').out;
    await waitFor('the Service through kube-proxy', () => /hello-from-echo-/.test(kubectl('exec', a!.metadata.name, '--', '/bin/busybox', 'sh', '-c', `/bin/busybox nc -w 5 ${clusterIp} 80 </dev/null`).out), 60_000);
    expect(kubectl('logs', b!.metadata.name).out).to.include(`started ${b!.metadata.name}`);
  });

  it('a second run and a check after it change nothing', async function () {
    this.timeout(600_000);
    const second = await run();
    expect(second.code, JSON.stringify(failures(second), null, 1).slice(0, 6000) + second.stderr).to.equal(0);
    expect(Object.keys(recap(second))).to.have.length(5); // the 4 hosts and localhost (pki)
    expect(changedTasks(second)).to.deep.equal([]);
    const check = await run('--check', '--diff');
    expect(check.code, JSON.stringify(failures(check), null, 1).slice(0, 6000) + check.stderr).to.equal(0);
    expect(changedTasks(check)).to.deep.equal([]);
  });

  it('changing an apiserver flag restarts the apiservers one at a time, /readyz passing through the VIP all along', async function () {
    this.timeout(600_000);
    const probes: string[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const r = await execFileAsync(k8s.kubectl, ['--kubeconfig', kubeconfig, '--request-timeout=5s', 'get', '--raw', '/readyz']).then(
          (x) => x.stdout.trim(),
          (e: { stderr?: string }) => `failed: ${e.stderr ?? String(e)}`,
        );
        probes.push(r);
        await new Promise((res) => setTimeout(res, 300));
      }
    })();
    const r = await run('-e', JSON.stringify({ kube_apiserver_extra_args: { 'event-ttl': '2h' } }));
    polling = false;
    await poll;
    expect(r.code, JSON.stringify(failures(r), null, 1).slice(0, 6000)).to.equal(0);
    const restarts = r.events.filter((e) => e.type === 'host_result' && e.task === 'control-plane : restart kube-apiserver' && e.status === 'changed');
    expect(restarts.map((e) => e.host).sort()).to.deep.equal(lab!.hosts.slice(0, 3).map((h) => h.name));
    expect(probes.length).to.be.greaterThan(20);
    expect(probes.filter((p) => p !== 'ok')).to.deep.equal([]);
    for (const i of [0, 1, 2]) expect(await on(i, 'systemctl cat kube-apiserver')).to.include('--event-ttl=2h');
  });

  it('every installed certificate verifies against its CA; the apiserver certificate names the VIP and the first service IP', async function () {
    this.timeout(60_000);
    const pki = '/etc/kubernetes/pki';
    const verify = await on(0, `cd ${pki} && for c in apiserver.crt apiserver-kubelet-client.crt; do openssl verify -CAfile ca.crt $c; done; openssl verify -CAfile front-proxy-ca.crt front-proxy-client.crt`);
    expect(verify.match(/: OK/g)).to.have.length(3);
    const sans = await on(0, `openssl x509 -in ${pki}/apiserver.crt -noout -ext subjectAltName`);
    for (const want of [`IP Address:${vip}`, 'IP Address:10.96.0.1', 'IP Address:127.0.0.1', 'DNS:kubernetes.default.svc.cluster.local', ...lab!.hosts.slice(0, 3).map((h) => `IP Address:${h.address}`)]) {
      expect(sans).to.include(want);
    }
  });

  it('stopping the VIP holder\'s keepalived moves the VIP and the API stays reachable through it', async function () {
    this.timeout(120_000);
    const holds = async (i: number) => (await hosts[i]!.exec(`ip -o addr show | grep -F " ${vip}/"`)).rc === 0;
    const holder = (await holds(0)) ? 0 : 1;
    expect(await holds(1 - holder)).to.equal(false);
    await on(holder, 'systemctl stop keepalived');
    try {
      await waitFor('the VIP to move', () => holds(1 - holder), 60_000);
      await waitFor('/readyz through the VIP', () => kubectl('get', '--raw', '/readyz').out.trim() === 'ok', 60_000);
    } finally {
      await on(holder, 'systemctl start keepalived');
    }
  });

  it('no secret appears in any output of the runs above (keys, the encryption key, the VRRP password)', function () {
    const all = outputs.join('\n');
    expect(all).not.to.include(authPass);
    expect(all).not.to.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    const encKey = execFileSync('sh', ['-c', `cat ${join(inv, 'pki')}/*encryption* 2>/dev/null || true`], { encoding: 'utf8' }).trim();
    if (encKey) expect(all).not.to.include(encKey);
  });
});
