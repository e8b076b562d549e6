/** systemd, service, sysctl, modprobe, hostname, user, group, package, wait_for, uri on real systemd hosts over SSH. */
import { expect } from 'chai';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../../support/lab.ts';
import type { AnyModule } from '../../../../modules/api.ts';
import type { Transport } from '../../../../engine/transport/transport.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { converge, snapshot } from './converge.ts';
import { copy } from '../../../../modules/system/copy.ts';
import { systemd } from '../../../../modules/system/systemd.ts';
import { service } from '../../../../modules/system/service.ts';
import { sysctl } from '../../../../modules/system/sysctl.ts';
import { modprobe } from '../../../../modules/system/modprobe.ts';
import { hostname } from '../../../../modules/system/hostname.ts';
import { user } from '../../../../modules/system/user.ts';
import { group } from '../../../../modules/system/group.ts';
import { packageModule } from '../../../../modules/system/package.ts';
import { wait_for } from '../../../../modules/system/wait-for.ts';
import { uri } from '../../../../modules/system/uri.ts';
import { testCert } from '../../../support/certs.ts';

const cert = testCert;

const ROOTS = ['/etc', '/usr/local', '/var/lib'];
const RESPONDER = `#!/bin/sh
# read the request (headers and body): closing a socket with unread data resets the connection
n=0
cr=$(printf '\\r')
while IFS= read -r l; do
  l=\${l%"$cr"}
  [ -z "$l" ] && break
  case $l in [Cc]ontent-[Ll]ength:*) n=\${l#*:}; n=\${n# } ;; esac
done
[ "$n" -gt 0 ] && head -c "$n" >/dev/null
printf 'HTTP/1.0 200 OK\\r\\nContent-Type: application/json\\r\\n\\r\\n{"ok":true}'
`;
const UNIT = `[Unit]
Description=kplay test HTTP responder

[Service]
ExecStart=/usr/bin/socat TCP-LISTEN:8080,fork,reuseaddr EXEC:/usr/local/bin/kplay-http

[Install]
WantedBy=multi-user.target
`;

describe('system service and OS modules on lab hosts (real ssh, systemd)', function () {
  let lab: Lab | undefined;
  let t: Transport;
  let t2: Transport;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(2, { name: 'sys2' });
    t = await lab.transport(0);
    t2 = await lab.transport(1);
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  it('unit file + systemd: a check run on a fresh host plans from the ledger, writes nothing, predicts the real run', async function () {
    this.timeout(120_000);
    const tasks: [AnyModule, Record<string, unknown>][] = [
      [copy, { content: RESPONDER, dest: '/usr/local/bin/kplay-http', mode: '0755' }],
      [copy, { content: UNIT, dest: '/etc/systemd/system/kplay-http.service' }],
      [systemd, { name: 'kplay-http', state: 'started', enabled: true, daemon_reload: true }],
    ];
    const before = await snapshot(t, ROOTS, true);
    const ledger = new HostLedger();
    const check = [];
    for (const [m, a] of tasks) check.push(await runModuleOn(t, m, a, { check: true, ledger }));
    expect(check.map((r) => r.msg ?? '')).to.deep.equal(['', '', '']);
    expect(check[2]!.changes.map((c) => c.after)).to.deep.equal(['copy test', 'copy test']);
    expect(await snapshot(t, ROOTS, true), 'check mode wrote nothing').to.equal(before);
    const real = [];
    for (const [m, a] of tasks) real.push(await runModuleOn(t, m, a));
    expect(real.map((r) => r.msg ?? '')).to.deep.equal(['', '', '']);
    expect(check.map((r) => r.changes.map((c) => c.summary))).to.deep.equal(real.map((r) => r.changes.map((c) => c.summary)));
    expect(real[2]!.changes.map((c) => c.summary)).to.deep.equal([
      'kplay-http.service: enabled: false → true',
      'kplay-http.service: active: inactive → active',
    ]);
    expect(real[2]!.changes[0]!.diff).to.deep.equal({ path: 'kplay-http.service', before: 'enabled: false\n', after: 'enabled: true\n' });
    for (const [m, a] of tasks) expect((await runModuleOn(t, m, a)).changes).to.deep.equal([]);
    expect((await t.exec('systemctl is-active kplay-http; systemctl is-enabled kplay-http')).stdout).to.equal('active\nenabled\n');
  });

  it('wait_for and uri reach the port from the host; GET is no change; check mode runs them', async function () {
    this.timeout(60_000);
    const w = await runModuleOn(t, wait_for, { port: 8080, timeout: 20 }, { check: true });
    expect(w, w.msg).to.include({ failed: false, changed: false });
    const wr = await runModuleOn(t, wait_for, { port: 8080, timeout: 20 });
    expect(wr.failed, wr.msg).to.equal(false);
    const r = await runModuleOn(t, uri, { url: 'http://127.0.0.1:8080/', return_content: true }, { check: true });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changed).to.equal(false);
    expect(r.result).to.deep.include({ status: 200, json: { ok: true }, content: '{"ok":true}' });
    const bad = await runModuleOn(t, uri, { url: 'http://127.0.0.1:8080/', status_code: [204] });
    expect(bad.failed).to.equal(true);
    expect(bad.msg).to.match(/Status code was 200/);
    const post = await runModuleOn(t, uri, { url: 'http://127.0.0.1:8080/x', method: 'POST', body: { a: 1 }, body_format: 'json' });
    expect(post).to.include({ changed: true, failed: false });
    expect((await runModuleOn(t, uri, { url: 'http://127.0.0.1:8080/x', method: 'POST' }, { check: true })).skipped).to.equal(true);
    const closed = await runModuleOn(t, wait_for, { port: 8081, timeout: 1, sleep: 0.2 });
    expect(closed.failed).to.equal(true);
    expect(closed.msg).to.match(/Timeout when waiting for 127.0.0.1:8081/);
    expect((await runModuleOn(t, wait_for, { port: 8081, state: 'stopped', timeout: 5 })).failed).to.equal(false);
    expect((await runModuleOn(t, wait_for, { path: '/etc/systemd/system/kplay-http.service', search_regex: 'socat', timeout: 5 })).failed).to.equal(false);
  });

  it('uri over https with mutual TLS: CA, client cert and key are files on the host', async function () {
    this.timeout(60_000);
    const ca = cert('kplay lab CA');
    const server = cert('server', ca, '127.0.0.1');
    const client = cert('admin', ca);
    await runModuleOn(t, copy, { content: ca.certPem, dest: '/etc/kplay-ca.crt' });
    await runModuleOn(t, copy, { content: server.certPem + server.keyPem, dest: '/etc/kplay-server.pem', mode: '0600' });
    await runModuleOn(t, copy, { content: client.certPem, dest: '/etc/kplay-admin.crt' });
    const key = await runModuleOn(t, copy, { content: client.keyPem, dest: '/etc/kplay-admin.key', mode: '0600' });
    expect(key.changes[0]!.sensitive, 'a private key is never diffed').to.equal(true);
    await runModuleOn(t, copy, { dest: '/etc/systemd/system/kplay-https.service', content: '[Service]\nExecStart=/usr/bin/socat OPENSSL-LISTEN:8443,cert=/etc/kplay-server.pem,cafile=/etc/kplay-ca.crt,verify=1,fork,reuseaddr EXEC:/usr/local/bin/kplay-http\n' });
    await runModuleOn(t, systemd, { name: 'kplay-https', state: 'started' });
    const up = await runModuleOn(t, wait_for, { port: 8443, timeout: 20 });
    expect(up.failed, (await t.exec('journalctl -u kplay-https --no-pager | tail -5')).stdout).to.equal(false);
    const args = { url: 'https://127.0.0.1:8443/healthz', ca_path: '/etc/kplay-ca.crt', client_cert: '/etc/kplay-admin.crt', client_key: '/etc/kplay-admin.key' };
    const ok = await runModuleOn(t, uri, args, { check: true });
    expect(ok.failed, ok.msg).to.equal(false);
    expect(ok.result).to.deep.include({ status: 200, json: { ok: true } });
    expect(JSON.stringify(ok)).to.not.contain('PRIVATE KEY');
    const noClient = await runModuleOn(t, uri, { url: args.url, ca_path: args.ca_path });
    expect(noClient.failed, 'the server wants a client certificate').to.equal(true);
  });

  it('systemd/service: stop, disable, restart, mask; service on systemd', async function () {
    this.timeout(120_000);
    const o = { units: true };
    const stop = await converge(t, service, { name: 'kplay-http', state: 'stopped', enabled: false }, ROOTS, o);
    expect(stop.first.changes.map((c) => c.summary)).to.deep.equal(['kplay-http.service: enabled: true → false', 'kplay-http.service: active: active → inactive']);
    const restart = await runModuleOn(t, systemd, { name: 'kplay-http', state: 'restarted' });
    expect(restart.changed).to.equal(true);
    expect((await runModuleOn(t, systemd, { name: 'kplay-http', state: 'restarted' })).changed).to.equal(true);
    await converge(t, service, { name: 'kplay-http', state: 'stopped' }, ROOTS, o);
    await converge(t, service, { name: 'kplay-http', state: 'started', enabled: true }, ROOTS, o);
    // a unit whose file is in /etc/systemd/system cannot be masked (systemd refuses, as with Ansible): use a packaged one
    const mask = await converge(t, systemd, { name: 'haproxy', state: 'stopped', masked: true }, ROOTS, o);
    expect(mask.first.changes.map((c) => c.summary)).to.contain('haproxy.service: masked: false → true');
    expect((await runModuleOn(t, systemd, { name: 'haproxy', state: 'started' })).msg).to.match(/masked/);
    await converge(t, systemd, { name: 'haproxy', masked: false }, ROOTS, o);
    // the unit file changes on disk: systemd holds an old copy, daemon_reload is a change, then none
    await t.exec("sed -i 's/Description=.*/Description=changed/' /etc/systemd/system/kplay-http.service");
    const reload = await converge(t, systemd, { name: 'kplay-http', daemon_reload: true }, ROOTS, o);
    expect(reload.first.changes.map((c) => c.summary)).to.deep.equal(['kplay-http.service: daemon-reload']);
    const missing = await runModuleOn(t, systemd, { name: 'no-such-unit', state: 'started' });
    expect(missing.failed).to.equal(true);
    expect(missing.msg).to.match(/not found/);
  });

  it('sysctl (net.* inside a host): live and persisted', async function () {
    this.timeout(60_000);
    const live = (await t.exec('cat /proc/sys/net/ipv4/ip_forward')).stdout.trim();
    const want = live === '1' ? '0' : '1';
    const r = await converge(t, sysctl, { name: 'net.ipv4.ip_forward', value: want }, ROOTS);
    expect(r.first.changes.map((c) => c.summary)).to.deep.equal([`/etc/sysctl.d/99-kplay.conf: net.ipv4.ip_forward (unset) → ${want}`, `net.ipv4.ip_forward: live ${live} → ${want}`]);
    expect(r.first.changes[1]!.diff).to.deep.equal({ path: 'net.ipv4.ip_forward', before: `live: ${live}\n`, after: `live: ${want}\n` });
    expect((await t.exec('cat /proc/sys/net/ipv4/ip_forward /etc/sysctl.d/99-kplay.conf')).stdout).to.equal(`${want}\nnet.ipv4.ip_forward = ${want}\n`);
    await converge(t, sysctl, { name: 'net.ipv4.ip_local_port_range', value: '32000 60000', sysctl_file: '/etc/sysctl.d/50-ports.conf' }, ROOTS);
    await converge(t, sysctl, { name: 'net.ipv4.ip_forward', state: 'absent' }, ROOTS);
    expect((await runModuleOn(t, sysctl, { name: 'net.nope.key', value: 1 })).msg).to.match(/unknown sysctl key/);
  });

  it('modprobe: built-in modules are present; persistence files converge', async function () {
    this.timeout(60_000);
    const b = await runModuleOn(t, modprobe, { name: 'br_netfilter' });
    expect(b).to.include({ changed: false, failed: false });
    expect(b.result.builtin).to.equal(true);
    expect((await runModuleOn(t, modprobe, { name: 'overlay' })).changed).to.equal(false);
    const r = await converge(t, modprobe, { name: 'br_netfilter', persistent: 'present', params: 'x=1' }, ROOTS);
    expect(r.first.changes.map((c) => c.summary)).to.deep.equal(['/etc/modules-load.d/br_netfilter.conf: create', '/etc/modprobe.d/br_netfilter.conf: create']);
    await converge(t, modprobe, { name: 'br_netfilter', persistent: 'absent' }, ROOTS);
    const unloadable = await runModuleOn(t, modprobe, { name: 'dummy' });
    expect(unloadable.failed, 'no loadable modules on this kernel').to.equal(true);
    expect((await runModuleOn(t, modprobe, { name: 'dummy' }, { check: true })).changes[0]!.summary).to.equal('dummy: loaded: false → true');
  });

  it('hostname, group, user on a second host', async function () {
    this.timeout(120_000);
    const o = { units: false };
    await converge(t2, hostname, { name: 'renamed-h2' }, ROOTS, o);
    expect((await t2.exec('hostname; cat /etc/hostname')).stdout).to.equal('renamed-h2\nrenamed-h2\n');
    await converge(t2, group, { name: 'kplayg', gid: 4242 }, ROOTS, o);
    await converge(t2, group, { name: 'kplayg', gid: 4243 }, ROOTS, o);
    const hash = '$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.';
    const u = await converge(t2, user, { name: 'kplayu', uid: 4300, group: 'kplayg', groups: ['users'], shell: '/bin/sh', home: '/var/lib/kplayu', password: hash }, ROOTS, o);
    expect(JSON.stringify(u.first)).to.not.contain(hash);
    const ch = await converge(t2, user, { name: 'kplayu', shell: '/bin/bash', groups: 'users,kplay', append: true }, ROOTS, o);
    expect(ch.first.changes.map((c) => c.summary)).to.deep.equal(['user kplayu: groups: users → users,kplay', 'user kplayu: shell: /bin/sh → /bin/bash']);
    await converge(t2, user, { name: 'kplayu', groups: [] }, ROOTS, o);
    expect((await t2.exec('id -Gn kplayu; getent shadow kplayu | cut -d: -f2')).stdout).to.equal(`kplayg\n${hash}\n`);
    await converge(t2, user, { name: 'kplayu', state: 'absent', remove: true }, ROOTS, o);
    await converge(t2, group, { name: 'kplayg', state: 'absent' }, ROOTS, o);
  });

  it('package: present is no change; absent predicts and performs the removal (dpkg, no mirror needed)', async function () {
    this.timeout(120_000);
    const present = await runModuleOn(t2, packageModule, { name: ['curl', 'socat'], state: 'present' }, { check: true });
    expect(present).to.include({ changed: false, failed: false });
    const latest = await runModuleOn(t2, packageModule, { name: 'curl', state: 'latest' });
    expect(latest, 'no mirror: the candidate is the installed version').to.include({ changed: false, failed: false });
    const r = await converge(t2, packageModule, { name: 'socat', state: 'absent' }, ['/usr/bin/socat', '/var/lib/dpkg/info/socat.list'], { units: false });
    expect(r.first.changes[0]!.summary).to.match(/^remove socat /);
    expect((await t2.exec('command -v socat || echo gone')).stdout.trim()).to.equal('gone');
    const missing = await runModuleOn(t2, packageModule, { name: 'socat' }, { check: true });
    expect(missing.changes.map((c) => c.summary)).to.deep.equal(['install socat']);
  });
});
