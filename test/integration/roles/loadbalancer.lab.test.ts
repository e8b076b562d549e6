/**
 * roles/preinstall and roles/loadbalancer through the CLI on 3 lab hosts (all of them in
 * kube_control_plane, etcd and lb; one lab for both roles). No real apiserver: each host runs a
 * TLS server on 6443 (`openssl s_server -www`, HTTP 200 for any GET) whose certificate's CN is the
 * host's name, so a connection through haproxy shows which backend answered.
 *
 * preinstall: check on fresh hosts writes nothing; the run; a second run and a check after it
 * change nothing; the sysctl and modules-load.d files, the live values, the swap line gone from a
 * seeded fstab, swap.target masked.
 * loadbalancer: the same check/run/run/check cycle; haproxy on each host routes to every backend;
 * keepalived holds the VIP on exactly one host and moves it when that host's keepalived stops and
 * when its haproxy stops; the VRRP password appears in no output of any run.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, kplay, mispredictions, recap, type KplayRun } from '../../support/kplay.ts';
import { expectNoChange, seconds, startRoleLab, type RoleLab } from '../../support/role-lab.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/roles');
const preinstallPlaybook = join(fixtures, 'preinstall/preinstall.yml');
const lbPlaybook = join(fixtures, 'loadbalancer/loadbalancer.yml');
const AUTH_PASS = 'Kq7zWx3R';
const OTHER_PASS = 'Jm4vTr9L';

/** Everything under /etc and the directories preinstall makes, plus live state the roles change. */
const STATE = [
  'find /etc /var/lib/kubelet /var/lib/kube-proxy /opt/cni /var/lib/etcd -xdev -printf "%p %m %u %s %T@\\n" 2>/dev/null | sort;',
  'for k in net.ipv4.ip_forward net.ipv4.ip_nonlocal_bind net.ipv4.ip_local_reserved_ports; do echo "$k=$(sysctl -n $k)"; done;',
  'systemctl is-enabled swap.target haproxy keepalived; systemctl is-active haproxy keepalived; ip -o -4 addr show dev eth0; true',
].join('\n');

describe('roles preinstall + loadbalancer on 3 lab hosts', function () {
  let rl: RoleLab | undefined;
  let on: RoleLab['on'];
  let lab: RoleLab['lab'];
  let hosts: RoleLab['hosts'];
  let dir: string;
  let vip: string;
  const outputs: string[] = [];

  const run = async (...a: string[]): Promise<KplayRun> => {
    const r = await kplay(...a);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const inv = () => ['-i', join(dir, 'hosts.ini')];
  /** Polls fn until it returns a value (not undefined); fails after `limitMs` with the last observation. */
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, limitMs = 60_000): Promise<T> => {
    const end = Date.now() + limitMs;
    let last: unknown;
    for (;;) {
      const v = await fn().catch((e: unknown) => ((last = e), undefined));
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`${what}: not reached (last: ${String(last)})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  /** Indexes of the hosts that hold the VIP now. */
  const vipHolders = async () =>
    (await Promise.all(hosts.map(async (t, i) => ((await t.exec(`ip -o -4 addr show dev eth0 | grep -q ' ${vip}/'`)).rc === 0 ? i : -1)))).filter((i) => i >= 0);
  const oneHolder = (what: string, not?: number) =>
    until(what, async () => {
      const h = await vipHolders();
      return h.length === 1 && h[0] !== not ? h[0] : undefined;
    });
  /** Polls until host i, and no other, holds the VIP (VRRP elections settle within a few adverts). */
  const holderIs = (what: string, i: number) =>
    until(what, async () => {
      const h = await vipHolders();
      return h.length === 1 && h[0] === i ? i : undefined;
    });

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    if (!existsSync(join(import.meta.dirname, '../../../../shared/k8s'))) {
      console.warn('    (skipping: ../shared/k8s is absent)');
      this.skip();
    }
    rl = await startRoleLab(3, { name: 'lbrole' });
    ({ lab, hosts, dir, on } = rl);
    vip = lab.subnet.replace(/\.0\/\d+$/, '.10');
    writeFileSync(join(dir, 'hosts.ini'), `[kube_control_plane]\n${rl.lines().join('\n')}\n\n[etcd:children]\nkube_control_plane\n\n[lb:children]\nkube_control_plane\n`);
    mkdirSync(join(dir, 'group_vars'));
    // the lab's differences are inventory variables: read-only kernel.*/vm.* keys inside the hosts,
    // no chrony package and no mirror (the clock is the machine's)
    writeFileSync(
      join(dir, 'group_vars/all.yml'),
      [
        'kubelet_protect_kernel_defaults: false',
        'ntp_enabled: false',
        `loadbalancer_apiserver: {address: ${vip}, port: 8443}`,
        `keepalived_auth_pass: ${AUTH_PASS}`,
        'haproxy_check_inter: 2s',
        'haproxy_check_downinter: 1s',
        '',
      ].join('\n'),
    );
    // a throwaway TLS "apiserver" per host, its CN the host's name
    for (const [i, h] of lab.hosts.entries()) {
      const key = join(dir, `${h.name}-key.pem`);
      const crt = join(dir, `${h.name}.pem`);
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${h.name}`, '-keyout', key, '-out', crt], { stdio: 'ignore' });
      await hosts[i]!.put('/root/fake-apiserver.pem', readFileSync(crt));
      await hosts[i]!.put('/root/fake-apiserver-key.pem', readFileSync(key), { mode: '0600' });
      await on(i, 'systemd-run --unit fake-apiserver --quiet openssl s_server -quiet -accept 6443 -www -cert /root/fake-apiserver.pem -key /root/fake-apiserver-key.pem');
      // an fstab with a swap entry (and lines that must stay)
      await on(i, "printf '%s\\n' '# /etc/fstab' 'proc /proc proc defaults 0 0' '/swapfile none swap sw 0 0' 'UUID=abcd none swap sw,pri=1 0 0' '# /old-swap none swap sw 0 0' > /etc/fstab");
    }
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await rl?.stop();
  });

  it('preinstall: check on fresh hosts writes nothing, the run prepares the hosts, a second run and a check after it change nothing', async function () {
    this.timeout(300_000);
    const before = await rl!.state(STATE);
    const check = await run('run', preinstallPlaybook, ...inv(), '--check', '--diff', '--json');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);
    for (const h of lab.hosts) expect(recap(check)[h.name]!.changed, h.name).to.be.greaterThan(0);

    const first = await run('run', preinstallPlaybook, ...inv(), '--diff', '--json');
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stderr).to.equal(0);
    expect(mispredictions(check, first)).to.deep.equal([]);

    for (const i of hosts.keys()) {
      const conf = await on(i, 'cat /etc/sysctl.d/99-kubernetes.conf');
      for (const l of ['net.ipv4.ip_forward = 1', 'net.ipv4.ip_local_reserved_ports = 30000-32767', 'fs.inotify.max_user_instances = 8192', 'net.bridge.bridge-nf-call-iptables = 1', 'net.bridge.bridge-nf-call-ip6tables = 1', 'net.ipv4.ip_nonlocal_bind = 1'])
        expect(conf.split('\n'), conf).to.include(l);
      expect(conf).not.to.contain('kernel.panic'); // kubelet_protect_kernel_defaults: false
      expect(await on(i, 'cat /etc/modules-load.d/br_netfilter.conf /etc/modules-load.d/overlay.conf')).to.equal('br_netfilter\noverlay\n');
      expect(await on(i, 'sysctl -n net.ipv4.ip_forward net.ipv4.ip_nonlocal_bind net.ipv4.ip_local_reserved_ports net.bridge.bridge-nf-call-iptables')).to.equal('1\n1\n30000-32767\n1\n');
      expect(await on(i, 'cat /etc/fstab')).to.equal('# /etc/fstab\nproc /proc proc defaults 0 0\n# /old-swap none swap sw 0 0\n');
      expect(await on(i, 'systemctl is-enabled swap.target || true')).to.equal('masked\n');
      expect(await on(i, 'stat -c "%n %a" /etc/kubernetes/pki /etc/kubernetes/manifests /var/lib/kubelet /etc/cni/net.d /opt/cni/bin /var/lib/etcd')).to.match(/\/var\/lib\/etcd 700\n$/);
    }

    const second = await run('run', preinstallPlaybook, ...inv(), '--json');
    expectNoChange(second);
    const after = await run('run', preinstallPlaybook, ...inv(), '--check', '--diff', '--json');
    expectNoChange(after);
    console.log(`      [preinstall] 3 hosts: check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
  });

  it('loadbalancer: check writes nothing, the run, a second run and a check after it change nothing', async function () {
    this.timeout(300_000);
    const before = await rl!.state(STATE);
    const check = await run('run', lbPlaybook, ...inv(), '--check', '--diff', '--json');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);
    // the same plan on the console: keepalived.conf is shown, its password file is not
    const console1 = await run('run', lbPlaybook, ...inv(), '--check', '--diff');
    expect(console1.code, console1.stdout + console1.stderr).to.equal(0);
    expect(console1.stdout).to.contain('include /etc/keepalived/vrrp-auth.conf');
    expect(console1.stdout).to.contain(`server ${lab.hosts[2]!.name} ${lab.hosts[2]!.address}:6443`);

    const first = await run('run', lbPlaybook, ...inv(), '--diff', '--json');
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stderr).to.equal(0);
    expect(mispredictions(check, first)).to.deep.equal([]);
    for (const i of hosts.keys()) {
      expect(await on(i, 'stat -c "%a %U" /etc/keepalived/vrrp-auth.conf')).to.equal('600 root\n');
      expect(await on(i, 'grep -c auth_pass /etc/keepalived/vrrp-auth.conf')).to.equal('1\n');
      expect(await on(i, 'systemctl is-active haproxy keepalived')).to.equal('active\nactive\n');
    }

    const second = await run('run', lbPlaybook, ...inv(), '--diff', '--json');
    expectNoChange(second);
    const after = await run('run', lbPlaybook, ...inv(), '--check', '--diff', '--json');
    expectNoChange(after);
    console.log(`      [loadbalancer] 3 hosts: check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
  });

  it('haproxy on every host routes to every backend', async function () {
    this.timeout(180_000);
    const names = lab.hosts.map((h) => h.name).sort();
    for (const i of hosts.keys()) {
      // every server UP in haproxy's own view (health checks: GET /healthz over TLS)
      await until(`haproxy on host ${i} sees 3 backends UP`, async () => {
        const stat = await on(i, 'echo "show stat" | socat stdio /run/haproxy/admin.sock');
        const up = stat.split('\n').filter((l) => l.startsWith('kube-apiserver,') && !l.includes(',BACKEND,') && l.split(',')[17] === 'UP');
        return up.length === 3 ? true : undefined;
      });
      const seen = new Set<string>();
      for (let n = 0; n < 6; n++) {
        const subject = await on(i, 'openssl s_client -connect 127.0.0.1:8443 </dev/null 2>/dev/null | openssl x509 -noout -subject');
        seen.add(subject.replace(/^subject=\s*CN\s*=\s*/, '').trim());
      }
      expect([...seen].sort(), `host ${i}`).to.deep.equal(names);
    }
    // through the VIP from another host: HTTP 200 from an apiserver
    const holder = await oneHolder('one VIP holder');
    const other = (holder + 1) % hosts.length;
    expect(await on(other, `curl -sk -o /dev/null -w '%{http_code}' https://${vip}:8443/healthz`)).to.equal('200');
  });

  it('keepalived holds the VIP on exactly one host and moves it when its keepalived or its haproxy stops', async function () {
    this.timeout(300_000);
    // the MASTER (first lb host, priority 101) holds the VIP, and no other host does
    const first = await holderIs('the VIP on the MASTER only', 0);

    await on(first, 'systemctl stop keepalived');
    const second = await oneHolder('the VIP moved after keepalived stopped', first);
    await on(first, 'systemctl start keepalived');
    // the MASTER takes it back (preemption) once its haproxy check passes
    expect(second).to.not.equal(first);
    await holderIs('the VIP back on the MASTER only', first);

    await on(first, 'systemctl stop haproxy');
    const third = await oneHolder('the VIP moved after haproxy stopped', first);
    expect(third).to.not.equal(first);
    await on(first, 'systemctl start haproxy');
    await holderIs('the VIP back on the MASTER only after haproxy started', first);
  });

  it('the VRRP password appears in no output, also when it changes (and keepalived restarts only then)', async function () {
    this.timeout(180_000);
    const plan = await run('run', lbPlaybook, ...inv(), '-e', `keepalived_auth_pass=${OTHER_PASS}`, '--check', '--diff');
    expect(plan.code, plan.stdout + plan.stderr).to.equal(0);
    expect(plan.stdout).to.contain('keepalived VRRP authentication');
    const change = await run('run', lbPlaybook, ...inv(), '-e', `keepalived_auth_pass=${OTHER_PASS}`, '--diff', '--json');
    expect(change.code, change.stdout + change.stderr).to.equal(0);
    const restarts = change.events.filter((e) => e.type === 'host_result' && e.task === 'loadbalancer : restart keepalived' && e.status === 'changed');
    expect(restarts).to.have.length(3);
    const reloads = change.events.filter((e) => e.type === 'host_result' && e.task === 'loadbalancer : reload haproxy' && e.status === 'changed');
    expect(reloads).to.have.length(0);
    expect(await on(1, 'cat /etc/keepalived/vrrp-auth.conf')).to.contain(`auth_pass ${OTHER_PASS}`);
    await oneHolder('the VIP on exactly one host with the new password');

    const all = outputs.join('\n');
    expect(all.length).to.be.greaterThan(10_000);
    expect(all).not.to.contain(AUTH_PASS);
    expect(all).not.to.contain(OTHER_PASS);
  });
});
