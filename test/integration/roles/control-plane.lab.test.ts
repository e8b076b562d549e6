/**
 * Roles control-plane, client and cluster_roles on 3 lab hosts (each in etcd and
 * kube_control_plane, no VIP), with the real Kubernetes v1.36.3 binaries of ../shared/k8s served by
 * the test's artifact server: check mode on fresh hosts plans everything and writes nothing; the
 * first run brings up kube-apiserver, kube-controller-manager and kube-scheduler on every host
 * (etcd over TLS, secrets encrypted at rest, leases held, RBAC bootstrap); a second run and a check
 * after it change nothing; a changed apiserver flag restarts the apiservers one at a time.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, changedTasks, kplay, mispredictions } from '../../support/kplay.ts';
import { expectNoChange, seconds, startRoleLab, type RoleLab } from '../../support/role-lab.ts';
import { startArtifactServer, type ArtifactServer } from '../../support/artifact-server.ts';
import { k8sBinaries, KUBE_VERSION } from '../../support/k8s-binaries.ts';

const playbook = join(import.meta.dirname, '../../fixtures/roles/control-plane/site.yml');
const BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];

/** Every path the plays write on a host, with mode, owner and size, plus the units' states. */
const STATE = [
  'for p in /etc/kubernetes /root/.kube /etc/ssl/etcd /etc/etcd.env /var/lib/etcd /etc/systemd/system/kube-apiserver.service /etc/systemd/system/kube-controller-manager.service /etc/systemd/system/kube-scheduler.service /usr/local/bin; do',
  '  find "$p" -printf "%p %m %u %s\\n" 2>/dev/null || echo "$p absent"; done | sort;',
  'for u in etcd kube-apiserver kube-controller-manager kube-scheduler; do systemctl is-active $u; done; true',
].join('\n');

/** GET https://ADDRESS:6443/readyz from the controller, verified with the cluster CA: the status code, 0 when it did not answer. */
function readyz(address: string, ca: string): Promise<number> {
  return new Promise((ok) => {
    const req = request({ host: address, port: 6443, path: '/readyz', ca, timeout: 3000, servername: 'kubernetes' }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => ok(0));
    req.end();
  });
}

describe('roles control-plane + client + cluster_roles on 3 lab hosts (real v1.36 binaries)', function () {
  let rl: RoleLab | undefined;
  let on: RoleLab['on'];
  let lab: RoleLab['lab'];
  let server: ArtifactServer | undefined;
  let hosts: RoleLab['hosts'];
  let dir: string;
  let args: string[];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    const k8s = k8sBinaries(this);
    rl = await startRoleLab(3, { name: 'cplane' });
    ({ lab, hosts, dir, on } = rl);
    // the decompressed binaries, served the way a files_repo mirror would
    server = await startArtifactServer({ root: k8s.filesRepo, host: lab.controllerAddress });
    // Kubespray's groups; no loadbalancer_apiserver: every control plane uses its local apiserver.
    // Debian's etcd on the lab image (etcd_source: package).
    writeFileSync(join(dir, 'hosts.ini'), `[etcd]\n${rl.lines().join('\n')}\n\n[kube_control_plane]\n${lab.hosts.map((h) => h.name).join('\n')}\n\n[all:vars]\netcd_source=package\n`);
    const vars = {
      // the binaries where files_repo has them (dl.k8s.io's layout)
      artifact_url: `${server.url}/dl.k8s.io/release/v${KUBE_VERSION}/bin/linux/amd64`,
      k8s_binaries: BINARIES.map((name) => ({ name, sha256: k8s.sums.get(`v${KUBE_VERSION}/${name}`) })),
    };
    writeFileSync(join(dir, 'vars.json'), JSON.stringify(vars));
    args = ['run', playbook, '-i', join(dir, 'hosts.ini'), '-e', `@${join(dir, 'vars.json')}`, '--json'];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await server?.close();
    await rl?.stop();
  });

  const kubectl = (i: number, a: string) => on(i, `kubectl --kubeconfig /etc/kubernetes/admin.conf ${a}`);
  const timings: string[] = [];

  it('check mode on fresh hosts writes nothing; the first run brings up the control plane; a second run and a check change nothing', async function () {
    this.timeout(900_000);
    const before = await rl!.state(STATE);
    expect(before[0]).to.match(/\/etc\/kubernetes absent/);

    const check = await kplay(...args, '--check', '--diff');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);
    expect(existsSync(join(dir, 'pki')), 'check mode wrote the controller PKI').to.equal(false);
    const checkText = JSON.stringify(check.events);
    expect(checkText).to.contain('kube-apiserver.service');
    expect(checkText).to.not.match(/BEGIN [A-Z ]*PRIVATE KEY/);

    const first = await kplay(...args);
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stderr).to.equal(0);
    const firstText = JSON.stringify(first.events);
    expect(firstText).to.not.match(/BEGIN [A-Z ]*PRIVATE KEY/);
    const key = readFileSync(join(dir, 'pki', 'secrets-encryption.key'), 'utf8').trim();
    expect(key).to.have.length(44);
    expect(firstText + checkText, 'the encryption key appeared in the output').to.not.contain(key);
    // the check run predicted exactly what the real run did, per host, task and item
    expect(mispredictions(check, first)).to.deep.equal([]);

    const ca = readFileSync(join(dir, 'pki', 'ca.pem'), 'utf8');
    for (const [i, h] of lab.hosts.entries()) {
      expect(await on(i, 'kubectl --kubeconfig=/etc/kubernetes/admin.conf get --raw=/readyz')).to.equal('ok');
      expect(await readyz(h.address, ca), `readyz of ${h.name} from the controller`).to.equal(200);
      expect(await on(i, 'systemctl is-active kube-apiserver kube-controller-manager kube-scheduler')).to.equal('active\nactive\nactive\n');
      // the flags as written: etcd over TLS to every member, this host's address advertised
      const unit = await on(i, 'cat /etc/systemd/system/kube-apiserver.service');
      expect(unit).to.contain(`--advertise-address=${h.address}`);
      expect(unit).to.contain(`--etcd-servers=${lab.hosts.map((x) => `https://${x.address}:2379`).join(',')}`);
      expect(await on(i, 'cat /etc/systemd/system/kube-controller-manager.service')).to.contain('--allocate-node-cidrs=true');
      // certificates chain to their CAs; keys private
      const d = '/etc/kubernetes/pki';
      expect(await on(i, `openssl verify -CAfile ${d}/ca.crt ${d}/apiserver.crt ${d}/apiserver-kubelet-client.crt`)).to.equal(`${d}/apiserver.crt: OK\n${d}/apiserver-kubelet-client.crt: OK\n`);
      expect(await on(i, `openssl verify -CAfile ${d}/front-proxy-ca.crt ${d}/front-proxy-client.crt`)).to.contain(': OK');
      expect(await on(i, `openssl verify -CAfile ${d}/etcd/ca.crt ${d}/apiserver-etcd-client.crt`)).to.contain(': OK');
      const sans = await on(i, `openssl x509 -noout -ext subjectAltName -in ${d}/apiserver.crt`);
      for (const s of [`IP Address:${h.address}`, 'IP Address:10.96.0.1', 'IP Address:127.0.0.1', 'DNS:kubernetes.default.svc.cluster.local']) expect(sans).to.contain(s);
      expect(await on(i, `stat -c '%a %U %n' ${d}/*.key ${d}/encryption-config.yaml /etc/kubernetes/*.conf /root/.kube/config | sort`)).to.equal(
        [
          `600 root ${d}/apiserver-etcd-client.key`,
          `600 root ${d}/apiserver-kubelet-client.key`,
          `600 root ${d}/apiserver.key`,
          `600 root ${d}/ca.key`,
          `600 root ${d}/encryption-config.yaml`,
          `600 root ${d}/front-proxy-client.key`,
          `600 root ${d}/sa.key`,
          '600 root /etc/kubernetes/admin.conf',
          '600 root /etc/kubernetes/controller-manager.conf',
          '600 root /etc/kubernetes/scheduler.conf',
          ...(i === 0 ? ['600 root /etc/kubernetes/super-admin.conf'] : []),
          '600 root /root/.kube/config',
        ]
          .sort()
          .join('\n') + '\n',
      );
    }
    // leader leases held (scheduler and controller-manager elected through the apiserver)
    for (const lease of ['kube-scheduler', 'kube-controller-manager']) {
      const holder = await nonEmpty(() => kubectl(1, `-n kube-system get lease ${lease} -o jsonpath={.spec.holderIdentity}`));
      expect(holder, lease).to.match(new RegExp(`^kplay-cplane-h[123]_`));
    }
    // the admin certificate (O kubeadm:cluster-admins) is cluster-admin through the bootstrap binding
    expect(await kubectl(2, 'get ns -o name')).to.contain('namespace/kube-system');
    expect(await on(2, 'kubectl auth can-i "*" "*"')).to.equal('yes\n'); // root's ~/.kube/config
    expect(await kubectl(0, 'auth can-i get nodes --subresource=proxy --as=kube-apiserver-kubelet-client')).to.equal('yes\n');
    expect((await hosts[0]!.exec('kubectl --kubeconfig /etc/kubernetes/admin.conf auth can-i create pods --as=kube-apiserver-kubelet-client')).stdout).to.equal('no\n');
    expect(await kubectl(0, 'get clusterrolebinding kubeadm:cluster-admins kplay:apiserver-kubelet-client -o name')).to.equal(
      'clusterrolebinding.rbac.authorization.k8s.io/kubeadm:cluster-admins\nclusterrolebinding.rbac.authorization.k8s.io/kplay:apiserver-kubelet-client\n',
    );
    // secrets are encrypted at rest (secretbox, key1)
    await kubectl(0, 'create secret generic kplay-enc -n default --from-literal=v=plain-text-value');
    const raw = await on(1, 'etcdctl.sh get /registry/secrets/default/kplay-enc --print-value-only | head -c 40');
    expect(raw).to.match(/^k8s:enc:secretbox:v1:key1:/);
    expect(await kubectl(2, 'get secret kplay-enc -n default -o jsonpath={.data.v}')).to.equal(Buffer.from('plain-text-value').toString('base64'));

    const second = await kplay(...args);
    expectNoChange(second);

    const after = await kplay(...args, '--check', '--diff');
    expectNoChange(after);
    timings.push(`check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
    console.log(`      [control-plane] 3 hosts: ${timings.join('; ')}`);
  });

  it('a changed apiserver flag restarts the apiservers one at a time, the others ready all along', async function () {
    this.timeout(600_000);
    const ca = readFileSync(join(dir, 'pki', 'ca.pem'), 'utf8');
    const since = (await on(0, 'date +%s')).trim();
    // poll /readyz of every apiserver from the controller while the run restarts them
    let polling = true;
    const samples: number[][] = [];
    const poller = (async () => {
      while (polling) {
        samples.push(await Promise.all(lab.hosts.map((h) => readyz(h.address, ca))));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const r = await kplay(...args, '-e', '{"kube_apiserver_extra_args": {"event-ttl": "2h"}}');
    polling = false;
    await poller;
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const restarts = r.events.filter((e) => e.type === 'host_result' && e.task === 'control-plane : restart kube-apiserver' && e.status === 'changed');
    expect(restarts, JSON.stringify(changedTasks(r))).to.have.length(3);
    // nothing else restarted
    expect(r.events.filter((e) => e.type === 'host_result' && /restart kube-(controller-manager|scheduler)/.test(String(e.task)) && e.status === 'changed')).to.deep.equal([]);
    // each restart (journal: Stopping) came after the previous host's apiserver was ready again
    const windows = await Promise.all(
      lab.hosts.map(async (h, i) => {
        const stop = Number((await on(i, `journalctl -u kube-apiserver --since @${since} -o short-unix --no-pager | grep -m1 'Stopping' | awk '{print $1}'`)).trim());
        const ev = restarts.find((e) => e.host === h.name)!;
        const ready = Number(/ready (\d+\.\d+)/.exec(JSON.stringify(ev.result))![1]);
        return { host: h.name, stop, ready };
      }),
    );
    windows.sort((a, b) => a.stop - b.stop);
    for (const w of windows) expect(w.ready, JSON.stringify(windows)).to.be.greaterThan(w.stop);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.stop, JSON.stringify(windows)).to.be.greaterThan(windows[i - 1]!.ready);
    // at no sample were two apiservers down at once
    expect(samples.length).to.be.greaterThan(0);
    for (const s of samples) expect(s.filter((c) => c !== 200).length, JSON.stringify(samples)).to.be.at.most(1);
    for (const i of [0, 1, 2]) expect(await on(i, 'grep -c -- --event-ttl=2h /etc/systemd/system/kube-apiserver.service')).to.equal('1\n');
    // the same variables again: nothing to do
    const again = await kplay(...args, '-e', '{"kube_apiserver_extra_args": {"event-ttl": "2h"}}');
    expectNoChange(again);
    console.log(`      [control-plane] rolling apiserver restart: ${seconds(r)} s, ${samples.length} readyz samples`);
  });
});

/** The leases are taken a moment after the components start: ask again for up to a minute. */
async function nonEmpty(f: () => Promise<string>): Promise<string> {
  let last = '';
  for (let i = 0; i < 30; i++) {
    last = await f().catch(() => '');
    if (last) return last;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return last;
}
