/**
 * Roles node (kubelet + kube-proxy) and network_plugin/bridge on 3 lab hosts prepared for
 * Kubernetes (1 control plane with etcd, 2 workers), with the real Kubernetes v1.36.3 binaries of
 * ../shared/k8s served by the test's artifact server and the whole chain before them (pki, etcd,
 * containerd, control-plane, client, cluster_roles): check mode on fresh hosts writes nothing;
 * the first run makes every node Ready (the control plane tainted NoSchedule and labelled); busybox
 * pods on both workers reach each other across nodes and through a ClusterIP Service (kube-proxy,
 * hairpin included); kubectl exec and logs work (webhook authn/authz to the kubelet); a second run
 * and a check after it change nothing.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, kplay, mispredictions } from '../../support/kplay.ts';
import { expectNoChange, seconds, startRoleLab, type RoleLab } from '../../support/role-lab.ts';
import { waitFor } from '../../support/until.ts';
import { startArtifactServer, type ArtifactServer } from '../../support/artifact-server.ts';
import { k8sBinaries, KUBE_VERSION } from '../../support/k8s-binaries.ts';

const FIXTURE = join(import.meta.dirname, '../../fixtures/roles/node');
const CP_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
const NODE_BINARIES = ['kubelet', 'kube-proxy'];

/** What the node and network roles write on a host, with mode, owner and size, their units' states and the routes. */
const STATE = [
  'for p in /etc/kubernetes /var/lib/kubelet /var/lib/kube-proxy /etc/cni/net.d /etc/systemd/system/kubelet.service /etc/systemd/system/kube-proxy.service; do',
  '  find "$p" -printf "%p %m %u %s\\n" 2>/dev/null || echo "$p absent"; done | sort;',
  'for u in kubelet kube-proxy; do systemctl is-active $u; done; ip route show; true',
].join('\n');

describe('roles node + network_plugin/bridge on 3 lab hosts (real v1.36 binaries, pods)', function () {
  let rl: RoleLab | undefined;
  let on: RoleLab['on'];
  let lab: RoleLab['lab'];
  let server: ArtifactServer | undefined;
  let hosts: RoleLab['hosts'];
  let dir: string;
  let args: string[];
  let names: string[];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    const k8s = k8sBinaries(this);
    rl = await startRoleLab(3, { name: 'node', kubernetes: true });
    ({ lab, hosts, dir, on } = rl);
    server = await startArtifactServer({ root: k8s.filesRepo, host: lab.controllerAddress });
    names = lab.hosts.map((h) => h.name);
    const line = rl.line;
    // Kubespray's groups: h1 control plane (and etcd), h2 and h3 workers; no VIP.
    writeFileSync(
      join(dir, 'hosts.ini'),
      `[etcd]\n${line(0)}\n\n[kube_control_plane]\n${names[0]}\n\n[kube_node]\n${line(1)}\n${line(2)}\n\n[k8s_cluster:children]\nkube_control_plane\nkube_node\n`,
    );
    const vars = {
      // the binaries where files_repo has them (dl.k8s.io's layout)
      artifact_url: `${server.url}/dl.k8s.io/release/v${KUBE_VERSION}/bin/linux/amd64`,
      k8s_binaries: [...CP_BINARIES, ...NODE_BINARIES].map((name) => ({ name, sha256: k8s.sums.get(`v${KUBE_VERSION}/${name}`), control_plane: CP_BINARIES.includes(name) })),
    };
    writeFileSync(join(dir, 'vars.json'), JSON.stringify(vars));
    args = ['run', join(FIXTURE, 'site.yml'), '-i', join(dir, 'hosts.ini'), '-e', `@${lab.kubernetes!.groupVarsPath}`, '-e', `@${join(dir, 'vars.json')}`, '--json'];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await server?.close();
    await rl?.stop();
  });

  const kubectl = (a: string) => on(0, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${a}`);
  const timings: string[] = [];

  it('check writes nothing; the first run makes every node Ready (control plane tainted); a second run and a check change nothing', async function () {
    this.timeout(1_200_000);
    const before = await rl!.state(STATE);
    expect(before[1]).to.match(/\/var\/lib\/kubelet absent/);

    const check = await kplay(...args, '--check', '--diff');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);
    const checkText = JSON.stringify(check.events);
    expect(checkText).to.contain('kubelet-config.yaml').and.to.contain('10-kplay-bridge.conflist');
    expect(checkText).to.contain('the podCIDR the controller-manager allocates');
    expect(checkText).to.contain('ip_route: would run; dest is known after apply');
    expect(checkText).to.not.match(/BEGIN [A-Z ]*PRIVATE KEY/);

    const first = await kplay(...args);
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(JSON.stringify(first.events)).to.not.match(/BEGIN [A-Z ]*PRIVATE KEY/);
    // the check run predicted exactly what the real run did, per host, task and item, for every
    // role of the chain (the routes too: known after apply in the check, as a fresh cluster has
    // no podCIDRs yet)
    expect(mispredictions(check, first)).to.deep.equal([]);

    // every node Ready; the control plane tainted and labelled, the workers not
    const ready = await kubectl(`get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'`);
    expect(ready.trim().split('\n').sort()).to.deep.equal(names.map((n) => `${n} True`).sort());
    // the node lifecycle controller removes node.kubernetes.io/not-ready a moment after Ready
    const taints = (n: string) => kubectl(`get node ${n} -o jsonpath='{.spec.taints[*].key}:{.spec.taints[*].effect}'`);
    await waitFor('the not-ready taint to go', async () => !(await taints(names[0]!)).includes('not-ready'), 60_000);
    expect(await taints(names[0]!)).to.equal('node-role.kubernetes.io/control-plane:NoSchedule');
    expect(await kubectl(`get node ${names[0]} -o jsonpath='{.metadata.labels}'`)).to.contain('"node-role.kubernetes.io/control-plane":""');
    await waitFor('no taint on the workers', async () => (await kubectl(`get node ${names[1]} -o jsonpath='{.spec.taints}'`)) === '', 60_000);
    // each node's podCIDR in its CNI config, routes to the others' through their addresses
    const cidrs = await Promise.all(names.map((n) => kubectl(`get node ${n} -o jsonpath={.spec.podCIDR}`)));
    for (const [i, h] of lab.hosts.entries()) {
      expect(await on(i, 'cat /etc/cni/net.d/10-kplay-bridge.conflist')).to.contain(`"subnet": "${cidrs[i]}"`).and.to.contain('"hairpinMode": true');
      const routes = await on(i, 'ip route show');
      for (const [j, o] of lab.hosts.entries()) if (j !== i) expect(routes, `${h.name} → ${o.name}`).to.contain(`${cidrs[j]} via ${o.address}`);
      expect(await on(i, 'systemctl is-active kubelet kube-proxy')).to.equal('active\nactive\n');
      const d = '/etc/kubernetes/pki';
      expect(await on(i, `openssl verify -CAfile ${d}/ca.crt ${d}/kubelet.crt`)).to.contain(': OK');
      expect(await on(i, `stat -c '%a %U' ${d}/kubelet.key /etc/kubernetes/kubelet.conf /var/lib/kube-proxy/kubeconfig`)).to.equal('600 root\n600 root\n600 root\n');
    }

    const second = await kplay(...args);
    expectNoChange(second);
    const after = await kplay(...args, '--check', '--diff');
    expectNoChange(after);
    timings.push(`check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
    console.log(`      [node] 3 hosts: ${timings.join('; ')}`);
  });

  it('busybox pods on both workers reach each other across nodes and through a ClusterIP Service; exec and logs work', async function () {
    this.timeout(300_000);
    const image = lab.kubernetes!.images.busybox.image;
    const manifest = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'pong', namespace: 'default' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'pong' } },
            template: {
              metadata: { labels: { app: 'pong' } },
              spec: {
                affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'pong' } }, topologyKey: 'kubernetes.io/hostname' }] } },
                terminationGracePeriodSeconds: 1,
                containers: [
                  {
                    name: 'pong',
                    image,
                    imagePullPolicy: 'Never',
                    command: ['/bin/sh', '-c', 'echo "pong started on $(hostname)"; while true; do echo "pong from $(hostname)" | nc -l -p 8080; done'],
                    ports: [{ containerPort: 8080 }],
                  },
                ],
              },
            },
          },
        },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'pong', namespace: 'default' }, spec: { selector: { app: 'pong' }, ports: [{ port: 80, targetPort: 8080 }] } },
      ],
    };
    await hosts[0]!.exec(`cat > /root/pong.json <<'EOF'\n${JSON.stringify(manifest)}\nEOF`);
    await kubectl('apply -f /root/pong.json');
    await kubectl('rollout status deployment/pong --timeout=180s');
    const pods = (await kubectl(`get pods -l app=pong -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\\n"}{end}'`))
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string, string]);
    expect(pods).to.have.length(2);
    expect(new Set(pods.map((p) => p[1])), 'the pods run on different nodes').to.have.property('size', 2);
    for (const p of pods) expect([names[1], names[2]]).to.include(p[1]);
    const [a, b] = pods as [[string, string, string], [string, string, string]];
    // logs through the kubelet (apiserver → kubelet: webhook authn/authz)
    expect(await kubectl(`logs ${a[0]}`)).to.contain(`pong started on ${a[0]}`);
    // pod to pod across nodes (busybox nc; its wget segfaults)
    expect(await kubectl(`exec ${a[0]} -- sh -c 'nc -w 3 ${b[2]} 8080 </dev/null'`)).to.contain(`pong from ${b[0]}`);
    expect(await kubectl(`exec ${b[0]} -- sh -c 'nc -w 3 ${a[2]} 8080 </dev/null'`)).to.contain(`pong from ${a[0]}`);
    // the ClusterIP Service (kube-proxy) from a pod, several times (both backends, hairpin included)
    const ip = (await kubectl('get service pong -o jsonpath={.spec.clusterIP}')).trim();
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const out = await kubectl(`exec ${a[0]} -- sh -c 'nc -w 3 ${ip} 80 </dev/null'`);
      const m = /pong from (\S+)/.exec(out);
      expect(m, out).to.not.equal(null);
      seen.add(m![1]!);
    }
    expect([...seen].sort(), 'both backends answered through the Service, the caller itself included').to.deep.equal([a[0], b[0]].sort());
    // the Service from the control-plane host too (kube-proxy on a tainted node)
    expect((await hosts[0]!.exec(`timeout 5 curl -s telnet://${ip}:80 </dev/null`)).stdout).to.match(/pong from /);
  });

  it('a changed kubelet setting restarts only the kubelets; the nodes stay Ready and the pods keep running', async function () {
    this.timeout(300_000);
    const pods = await kubectl(`get pods -l app=pong -o jsonpath='{.items[*].metadata.uid}'`);
    const r = await kplay(...args, '-e', 'kubelet_max_pods=100');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const restarted = (task: string) => r.events.filter((e) => e.type === 'host_result' && e.task === task && e.status === 'changed').map((e) => String(e.host)).sort();
    expect(restarted('node : restart kubelet')).to.deep.equal([...names].sort());
    expect(restarted('node : restart kube-proxy')).to.deep.equal([]);
    for (const [i] of lab.hosts.entries()) expect(await on(i, 'grep ^maxPods: /etc/kubernetes/kubelet-config.yaml')).to.equal('maxPods: 100\n');
    expect(await kubectl(`get pods -l app=pong -o jsonpath='{.items[*].metadata.uid}'`)).to.equal(pods);
  });
});
