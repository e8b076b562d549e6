/**
 * cluster modules on real lab hosts over SSH: iptables (as a sudo user), download (controller cache
 * for 3 hosts = one request; on_host from the controller's lab address), cert copy_to and kubeconfig.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../../support/lab.ts';
import type { Transport } from '../../../../engine/transport/transport.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { iptables } from '../../../../modules/cluster/iptables/iptables.ts';
import { iptablesRuleset } from '../../../../modules/cluster/iptables/ruleset.ts';
import { download } from '../../../../modules/cluster/download/download.ts';
import { cert } from '../../../../modules/cluster/cert/cert.ts';
import { kubeconfig } from '../../../../modules/cluster/kubeconfig/kubeconfig.ts';
import { startArtifactServer, type ArtifactServer } from './artifact-server.ts';
import { buildArtifacts, sha256, type Artifacts } from './archives.ts';
import { openssl } from './pki-tools.ts';

const sudo = { method: 'sudo' as const, user: 'root' };

describe('cluster modules on lab hosts (real ssh)', function () {
  let lab: Lab | undefined;
  let hosts: Transport[];
  let srv: ArtifactServer;
  let labSrv: ArtifactServer;
  let art: Artifacts;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(3, { name: 'cluster' });
    hosts = await Promise.all([0, 1, 2].map((i) => lab!.transport(i)));
    art = buildArtifacts();
    const files = { '/bin/kubelet': art.binary, '/rel/etcd-v3.5.0-linux-amd64.tar.gz': art.tgz };
    srv = await startArtifactServer(files);
    labSrv = await startArtifactServer(files, lab.controllerAddress);
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await srv?.close();
    await labSrv?.close();
    await lab?.stop();
  });

  describe('iptables (as the sudo user kplay)', () => {
    let t: Transport;
    const save = async () => (await t.exec('iptables-save -t filter | grep -v "^#"', { become: sudo })).stdout;
    const rule = { chain: 'INPUT', protocol: 'tcp', destination_port: 6443, ctstate: ['NEW'], comment: 'kube-apiserver', jump: 'ACCEPT' };
    const line = '-A INPUT -p tcp -m tcp --dport 6443 -m conntrack --ctstate NEW -m comment --comment kube-apiserver -j ACCEPT';
    before(async () => {
      t = await lab!.transport(0, 'kplay');
    });

    it('check mode changes no rule; two runs leave the rule exactly once; absent removes it', async function () {
      this.timeout(60_000);
      const before = await save();
      const c = await runModuleOn(t, iptables, rule, { check: true, become: sudo });
      expect(c.failed, c.msg).to.equal(false);
      expect(c.changes[0]!.summary).to.equal(`+ ${line}`);
      expect(c.changes[0]!.diff!.after).to.contain(line);
      expect(await save()).to.equal(before);
      const r1 = await runModuleOn(t, iptables, rule, { become: sudo });
      expect(r1.failed, r1.msg).to.equal(false);
      expect(r1.changed).to.equal(true);
      const r2 = await runModuleOn(t, iptables, rule, { become: sudo });
      expect(r2.changed, JSON.stringify(r2.changes)).to.equal(false);
      expect((await save()).split('\n').filter((l) => l === line)).to.have.length(1);
      const a = await runModuleOn(t, iptables, { ...rule, state: 'absent' }, { become: sudo });
      expect(a.changes[0]!.summary).to.equal(`- ${line}`);
      expect(await save()).not.to.contain('kube-apiserver');
    });

    it('iptables_ruleset applies atomically and is idempotent', async function () {
      this.timeout(60_000);
      const args = { chains: [{ name: 'KPLAY-IN', rules: ['-p udp -m udp --dport 8472 -m comment --comment "flannel vxlan" -j ACCEPT'] }, { name: 'INPUT', rules: ['-j KPLAY-IN'] }] };
      const before = await save();
      expect((await runModuleOn(t, iptablesRuleset, args, { check: true, become: sudo })).changed).to.equal(true);
      expect(await save()).to.equal(before);
      const r = await runModuleOn(t, iptablesRuleset, args, { become: sudo });
      expect(r.failed, r.msg).to.equal(false);
      expect(await save()).to.contain('-A KPLAY-IN -p udp -m udp --dport 8472 -m comment --comment "flannel vxlan" -j ACCEPT');
      expect((await runModuleOn(t, iptablesRuleset, args, { become: sudo })).changed).to.equal(false);
    });
  });

  describe('download', () => {
    it('controller cache: ONE request for 3 hosts, nothing the second time', async function () {
      this.timeout(120_000);
      const cacheDir = mkdtempSync(join(tmpdir(), 'kplay-cache-'));
      const args = { url: srv.url('/bin/kubelet'), dest: '/usr/local/bin/kubelet', checksum: `sha256:${sha256(art.binary)}`, mode: '0755' };
      const rs = await Promise.all(hosts.map((h) => runModuleOn(h, download, args, { cacheDir })));
      expect(rs.map((r) => r.msg ?? 'ok')).to.deep.equal(['ok', 'ok', 'ok']);
      expect(srv.log).to.deep.equal(['/bin/kubelet']);
      for (const h of hosts) {
        const r = await h.exec('sha256sum < /usr/local/bin/kubelet; stat -c %a /usr/local/bin/kubelet');
        expect(r.stdout).to.equal(`${sha256(art.binary)}  -\n755\n`);
      }
      const again = await Promise.all(hosts.map((h) => runModuleOn(h, download, args, { cacheDir })));
      expect(again.map((r) => r.changed)).to.deep.equal([false, false, false]);
      expect(srv.log).to.have.length(1);
    });

    it('on_host: hosts fetch from the controller address with curl; a wrong checksum leaves no file', async function () {
      this.timeout(120_000);
      labSrv.log.length = 0;
      const t = hosts[1]!;
      const args = { url: labSrv.url('/bin/kubelet'), dest: '/opt/kplay/kubelet', checksum: `sha256:${sha256(art.binary)}`, on_host: true, mode: '0755' };
      const r = await runModuleOn(t, download, args);
      expect(r.failed, r.msg).to.equal(false);
      expect((await runModuleOn(t, download, args)).changed).to.equal(false);
      expect(labSrv.log).to.deep.equal(['/bin/kubelet']);
      const bad = await runModuleOn(t, download, { ...args, dest: '/opt/kplay/bad', checksum: `sha256:${sha256('x')}` });
      expect(bad.failed).to.equal(true);
      expect(bad.msg).to.match(/checksum mismatch/);
      expect((await t.exec('ls -A /opt/kplay')).stdout).to.equal('kubelet\n');
    });

    it('extracts with strip_components and include on the host', async function () {
      this.timeout(120_000);
      const t = hosts[2]!;
      const args = {
        url: labSrv.url('/rel/etcd-v3.5.0-linux-amd64.tar.gz'),
        dest: '/var/cache/kplay/',
        checksum: `sha256:${sha256(art.tgz)}`,
        on_host: true,
        extract_to: '/opt/etcd/bin',
        include: ['etcd-v3.5.0-linux-amd64/etcd', 'etcd-v3.5.0-linux-amd64/etcdctl'],
        strip_components: 1,
      };
      const r = await runModuleOn(t, download, args);
      expect(r.failed, r.msg).to.equal(false);
      expect((await t.exec('ls /opt/etcd/bin; /opt/etcd/bin/etcdctl')).stdout).to.equal('etcd\netcdctl\netcdctl\n');
      expect((await runModuleOn(t, download, args)).changed).to.equal(false);
    });
  });

  describe('cert and kubeconfig', () => {
    let pki: string;
    before(async function () {
      this.timeout(60_000);
      pki = mkdtempSync(join(tmpdir(), 'kplay-pki-'));
      for (const args of [
        { kind: 'ca', common_name: 'kubernetes-ca' },
        { kind: 'cert', name: 'admin', common_name: 'kubernetes-admin', organization: ['system:masters'], usages: ['client_auth'] },
      ]) {
        const r = await runModuleOn(hosts[0]!, cert, { pki_dir: pki, ...args });
        expect(r.failed, r.msg).to.equal(false);
      }
    });

    it('copy_to installs certificate 0644 and key 0600 on every host, once', async function () {
      this.timeout(120_000);
      const args = { pki_dir: pki, kind: 'cert', name: 'kube-proxy', common_name: 'system:kube-proxy', usages: ['client_auth'], copy_to: '/etc/kubernetes/pki', cert_file: 'kube-proxy.crt', key_file: 'kube-proxy.key' };
      const rs = await Promise.all(hosts.map((h) => runModuleOn(h, cert, args)));
      expect(rs.map((r) => r.msg ?? 'ok')).to.deep.equal(['ok', 'ok', 'ok']);
      for (const h of hosts) {
        const st = await h.exec('stat -c "%n %a %U" /etc/kubernetes/pki/kube-proxy.crt /etc/kubernetes/pki/kube-proxy.key');
        expect(st.stdout).to.equal('/etc/kubernetes/pki/kube-proxy.crt 644 root\n/etc/kubernetes/pki/kube-proxy.key 600 root\n');
        const crt = (await h.fetch('/etc/kubernetes/pki/kube-proxy.crt'))!;
        const local = join(pki, `from-${h.host}.crt`);
        writeFileSync(local, crt);
        expect(openssl('verify', '-CAfile', join(pki, 'ca.pem'), local).trim()).to.match(/: OK$/);
      }
      const again = await Promise.all(hosts.map((h) => runModuleOn(h, cert, args)));
      expect(again.map((r) => r.changed)).to.deep.equal([false, false, false]);
    });

    it('kubeconfig on the host: 0600, kubectl reads it, its certificate verifies', async function () {
      this.timeout(60_000);
      const t = hosts[0]!;
      const args = { pki_dir: pki, path: '/etc/kubernetes/admin.conf', server: 'https://127.0.0.1:6443', client_cert: 'admin', user: 'kubernetes-admin' };
      const r = await runModuleOn(t, kubeconfig, args);
      expect(r.failed, r.msg).to.equal(false);
      expect((await t.exec('stat -c %a /etc/kubernetes/admin.conf')).stdout).to.equal('600\n');
      const local = join(pki, 'admin.conf');
      writeFileSync(local, (await t.fetch('/etc/kubernetes/admin.conf'))!);
      const certB64 = execFileSync('kubectl', ['config', 'view', '--kubeconfig', local, '--raw', '-o', 'jsonpath={.users[0].user.client-certificate-data}'], { encoding: 'utf8' });
      writeFileSync(join(pki, 'embedded.pem'), Buffer.from(certB64, 'base64'));
      expect(openssl('verify', '-CAfile', join(pki, 'ca.pem'), join(pki, 'embedded.pem')).trim()).to.match(/: OK$/);
      expect((await runModuleOn(t, kubeconfig, args)).changed).to.equal(false);
    });
  });
});
