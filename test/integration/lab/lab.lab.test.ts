/**
 * `kplay lab` on this machine: real systemd-nspawn hosts. Skipped with a message when not root or
 * without systemd-nspawn; fails instead in CI.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import type { Transport } from '../../../engine/transport/transport.ts';
import { leftovers, NOTHING } from './leftovers.ts';

const kOf = (lab: Lab) => Number(lab.subnet.split('.')[2]);

describe('kplay lab: 3 real hosts', function () {
  let lab: Lab | undefined;
  let root: Transport[] = [];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    const t0 = Date.now();
    lab = await startLab(3, { name: 'labtest' });
    console.log(`      lab of 3 up in ${Date.now() - t0} ms: ${JSON.stringify(lab.timings)}`);
    root = await Promise.all([0, 1, 2].map((i) => lab!.transport(i)));
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  it('describes itself: subnet, controller address, hosts, inventory', () => {
    const k = kOf(lab!);
    expect(k).to.be.within(1, 254);
    expect(lab!.subnet).to.equal(`198.18.${k}.0/24`);
    expect(lab!.controllerAddress).to.equal(`198.18.${k}.254`);
    expect(lab!.hosts).to.deep.equal([1, 2, 3].map((i) => ({ name: `kplay-labtest-h${i}`, address: `198.18.${k}.${10 + i}` })));
    const inv = execFileSync('cat', [lab!.inventoryPath], { encoding: 'utf8' });
    expect(inv).to.include(`kplay-labtest-h2 ansible_host=198.18.${k}.12 ansible_user=root ansible_ssh_private_key_file=${lab!.keyPath}`);
  });

  it('runs systemd as PID 1 and reaches running (or degraded)', async function () {
    this.timeout(60_000);
    for (const t of root) {
      expect((await t.exec('cat /proc/1/comm')).stdout.trim()).to.equal('systemd');
      const r = await t.exec('systemctl is-system-running --wait', { timeoutMs: 50_000 });
      expect(r.stdout.trim()).to.be.oneOf(['running', 'degraded']);
    }
  });

  it('gives every host its own name, machine-id and ssh host key', async () => {
    const ids = await Promise.all(root.map((t) => t.exec('hostname; cat /etc/machine-id; cat /etc/ssh/ssh_host_ed25519_key.pub')));
    const names = ids.map((r) => r.stdout.split('\n')[0]);
    expect(names).to.deep.equal(lab!.hosts.map((h) => h.name));
    expect(new Set(ids.map((r) => r.stdout.split('\n')[1])).size).to.equal(3);
    expect(new Set(ids.map((r) => r.stdout.split('\n')[2]?.split(' ')[1])).size).to.equal(3);
  });

  it('lets kplay sudo without a password, and kplaypw only with one', async () => {
    const kplay = await lab!.transport(1, lab!.users.sudoNoPass);
    expect(await kplay.exec('id -un; sudo -n id -u')).to.include({ rc: 0, stdout: 'kplay\n0\n' });
    const kplaypw = await lab!.transport(2, lab!.users.sudoPass);
    expect((await kplaypw.exec('sudo -n true')).rc).to.not.equal(0);
    const r = await kplaypw.exec('sudo -S -p "" id -u', { stdin: `${lab!.users.sudoPassword}\n` });
    expect(r).to.include({ rc: 0, stdout: '0\n' });
  });

  it('allows net.* sysctls and iptables inside a host, isolated from this machine', async () => {
    const before = execFileSync('sysctl', ['-n', 'net.ipv4.ip_forward'], { encoding: 'utf8' });
    const r = await root[0]!.exec('sysctl -w net.ipv4.ip_forward=1 && sysctl -n net.ipv4.ip_forward');
    expect(r).to.include({ rc: 0 });
    expect(r.stdout.trim().split('\n').pop()).to.equal('1');
    expect(execFileSync('sysctl', ['-n', 'net.ipv4.ip_forward'], { encoding: 'utf8' })).to.equal(before);
    const ipt = await root[0]!.exec('iptables -A INPUT -p tcp --dport 9 -j ACCEPT && iptables -S INPUT');
    expect(ipt).to.include({ rc: 0 });
    expect(ipt.stdout).to.include('-A INPUT -p tcp -m tcp --dport 9 -j ACCEPT');
    expect((await root[1]!.exec('iptables -S INPUT')).stdout).to.not.include('--dport 9');
  });

  it('connects the hosts to each other, by address and by name', async () => {
    const [, h2, h3] = lab!.hosts;
    const r = await root[0]!.exec(`ping -c1 -W5 ${h2!.address} && ping -c1 -W5 ${h3!.name}`);
    expect(r.rc, r.stdout + r.stderr).to.equal(0);
  });

  it('lets hosts reach the controller address (an HTTP server in the test)', async () => {
    const server: Server = createServer((_req, res) => res.end('artifact from the controller\n'));
    await new Promise<void>((resolve) => server.listen(0, lab!.controllerAddress, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const urls = root.map(() => `http://${lab!.controllerAddress}:${port}/file`);
      const rs = await Promise.all(root.map((t, i) => t.exec(['curl', '-sfS', '-m', '10', urls[i]!])));
      for (const r of rs) expect(r).to.include({ rc: 0, stdout: 'artifact from the controller\n' });
    } finally {
      server.close();
    }
  });

  it('routes everything else into a dead end that cannot leak', async () => {
    const k = kOf(lab!);
    // hosts: default route via the bridge netns …
    expect((await root[0]!.exec('ip route show default')).stdout).to.include(`default via 198.18.${k}.1 dev eth0`);
    // … which does not forward
    const fwd = execFileSync('ip', ['netns', 'exec', 'kplay-labtest-br', 'cat', '/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' });
    expect(fwd.trim()).to.equal('0');
    // this machine: an unreachable route stands behind the controller veth
    const routes = execFileSync('ip', ['-4', 'route', 'show', `198.18.${k}.0/24`], { encoding: 'utf8' });
    expect(routes).to.match(new RegExp(`unreachable 198\\.18\\.${k}\\.0/24 metric 9999`));
  });

  it('stops cleanly and leaves no namespace, mount, process, route or cgroup behind', async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    const k = kOf(lab!);
    expect(leftovers('labtest', k).processes).to.have.length.above(0);
    const t0 = Date.now();
    await lab!.stop();
    console.log(`      stop of 3 hosts: ${Date.now() - t0} ms`);
    expect(leftovers('labtest', k)).to.deep.equal(NOTHING);
    lab = undefined;
  });
});
