/**
 * become over SSH on real hosts (systemd-nspawn lab): users `kplay` (NOPASSWD sudo) and `kplaypw`
 * (sudo with a password). Skipped with a message when this machine cannot run a lab.
 */
import { expect } from 'chai';
import { SshTransport } from '../../../engine/transport/ssh.ts';
import type { BecomeSpec } from '../../../engine/transport/transport.ts';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';

describe('SshTransport become on lab hosts', function () {
  let lab: Lab;
  let asRoot: SshTransport;
  let asKplay: SshTransport;
  let asKplaypw: SshTransport;
  let pw: string;
  const root = (password?: string): BecomeSpec => ({ method: 'sudo', user: 'root', ...(password !== undefined ? { password } : {}) });

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(1, { name: 'ssh-become' });
    pw = lab.users.sudoPassword;
    asRoot = (await lab.transport(0, 'root')) as SshTransport;
    asKplay = (await lab.transport(0, 'kplay')) as SshTransport;
    asKplaypw = (await lab.transport(0, 'kplaypw')) as SshTransport;
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  it('NOPASSWD sudo: runs as root and passes stdin through', async () => {
    const r = await asKplay.exec('id -un; cat', { become: root(), stdin: 'data\n' });
    expect(r).to.include({ rc: 0, stdout: 'root\ndata\n' });
  });

  it('NOPASSWD sudo given a password anyway: the password line does not reach the command', async () => {
    const r = await asKplay.exec('cat', { become: root('unused-password'), stdin: 'only this\n' });
    expect(r).to.include({ rc: 0, stdout: 'only this\n' });
  });

  it('sudo with a password: runs as root, stdin intact, password nowhere in output', async () => {
    const r = await asKplaypw.exec('id -un; cat; env', { become: root(pw), stdin: 'payload\n' });
    expect(r.rc).to.equal(0);
    expect(r.stdout.startsWith('root\npayload\n')).to.equal(true);
    expect(r.stdout + r.stderr).to.not.contain(pw);
  });

  it('sudo with a password a second time (credentials cached): stdin still intact', async () => {
    const r = await asKplaypw.exec('cat', { become: root(pw), stdin: 'again\n' });
    expect(r).to.include({ rc: 0, stdout: 'again\n' });
  });

  it('a wrong sudo password fails, does not hang, and does not echo the password', async function () {
    this.timeout(60_000);
    const r = await asKplaypw.exec('echo ran', { become: root('not-the-password') });
    expect(r.rc).to.not.equal(0);
    expect(r.stdout).to.not.contain('ran');
    expect(r.stdout + r.stderr).to.not.contain('not-the-password');
  });

  it("kplay's own commands with sudo (NOPASSWD and with a password) share one resident root shell", async () => {
    for (const [t, become] of [[asKplay, root()], [asKplaypw, root(pw)]] as const) {
      const before = t.stats.shellCommands;
      const pids = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const r = await t.exec('id -un; echo $$', { become });
        expect(r.rc).to.equal(0);
        expect(r.stdout + r.stderr).to.not.contain(pw);
        pids.add(r.stdout);
      }
      expect([...pids]).to.have.length(1);
      expect([...pids][0]).to.match(/^root\n\d+\n$/);
      expect(t.stats.shellCommands - before).to.equal(3);
    }
  });

  it('sudo that needs a password and gets none fails at once (sudo -n)', async () => {
    const fresh = new SshTransport({ host: 'h', address: lab.hosts[0]!.address, user: 'kplaypw', privateKeyPath: lab.keyPath, knownHostsFiles: [lab.knownHostsPath], agent: false });
    try {
      const r = await fresh.exec('echo ran', { become: root() });
      expect(r.rc).to.equal(1);
      expect(r.stderr).to.match(/password is required/);
    } finally {
      await fresh.close();
    }
  });

  it('become_user from root runs as that user', async () => {
    const r = await asRoot.exec('id -un; pwd', { become: { method: 'sudo', user: 'kplay' }, cwd: '/tmp' });
    expect(r).to.include({ rc: 0, stdout: 'kplay\n/tmp\n' });
  });

  it('su from root to another user (no password needed)', async () => {
    const r = await asRoot.exec('id -un', { become: { method: 'su', user: 'kplay' } });
    expect(r).to.include({ rc: 0, stdout: 'kplay\n' });
  });

  it('su with a password answers the prompt on a pty', async () => {
    const r = await asKplay.exec('id -un', { become: { method: 'su', user: 'kplaypw', password: pw } });
    expect(r.rc).to.equal(0);
    expect(r.stdout.trim()).to.equal('kplaypw');
    expect(r.stdout).to.not.contain(pw);
  });

  it('put with become (non-root login): owned by root, mode applied, atomic', async () => {
    await asKplay.put('/etc/kplay-become-test.conf', 'secret=1\n', { mode: '0600', become: root() });
    const r = await asRoot.exec(`stat -c '%U %a' /etc/kplay-become-test.conf; cat /etc/kplay-become-test.conf; ls -a /etc | grep -c '^[.]kplay-.*[.]tmp$' || true`);
    expect(r.stdout).to.equal('root 600\nsecret=1\n0\n');
  });

  it('put with a sudo password streams the content after the password line', async () => {
    const big = Buffer.alloc(2_000_000, 'x');
    await asKplaypw.put('/root/kplay-pw-put', big, { mode: '0640', owner: 'root', group: 'kplay', become: root(pw) });
    const r = await asRoot.exec('stat -c "%U:%G %a %s" /root/kplay-pw-put');
    expect(r.stdout.trim()).to.equal('root:kplay 640 2000000');
  });

  it('put with become to another user writes as that user', async () => {
    await asRoot.put('/home/kplay/owned-by-kplay', 'hi', { become: { method: 'sudo', user: 'kplay' } });
    const r = await asRoot.exec('stat -c "%U %a" /home/kplay/owned-by-kplay');
    expect(r.stdout.trim()).to.equal('kplay 644');
  });

  it('fetch with become reads a root-only file; a missing one is undefined', async () => {
    const shadow = await asKplay.fetch('/etc/shadow', { become: root() });
    expect(shadow?.toString()).to.contain('root:');
    expect(await asKplay.fetch('/etc/nope', { become: root() })).to.equal(undefined);
    expect(await asKplay.fetch('/etc/nope')).to.equal(undefined);
  });

  it('su with a password: put of binary content intact, no staging left behind', async () => {
    const content = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i & 0xff));
    const su = { method: 'su' as const, user: 'kplaypw', password: pw };
    await asKplay.put('/home/kplaypw/from-su', content, { mode: '0600', become: su });
    expect((await asRoot.fetch('/home/kplaypw/from-su'))!.equals(content)).to.equal(true);
    expect((await asRoot.exec('stat -c %U:%a /home/kplaypw/from-su')).stdout.trim()).to.equal('kplaypw:600');
    const r = await asKplay.exec('ls -a /tmp | grep -c "^[.]kplay-" || true');
    expect(r.stdout.trim()).to.equal('0');
  });

  it('su with a password that su does not ask for (root): the output is kept', async () => {
    const r = await asRoot.exec('id -un; echo done', { become: { method: 'su', user: 'kplay', password: 'not needed' } });
    expect(r).to.include({ rc: 0 });
    expect(r.stdout.replace(/\r/g, '')).to.equal('kplay\ndone\n');
  });

  it('su with a password and stdin text', async () => {
    const r = await asKplay.exec('cat', { become: { method: 'su', user: 'kplaypw', password: pw }, stdin: 'a line\nanother\n' });
    expect(r.rc).to.equal(0);
    expect(r.stdout.replace(/\r/g, '')).to.equal('a line\nanother\n');
  });

  it('sudo with requiretty: retried on a pty', async () => {
    await asRoot.put('/etc/sudoers.d/zz-requiretty', 'Defaults:kplay requiretty\n', { mode: '0440' });
    const t = new SshTransport({ host: 'h', address: lab.hosts[0]!.address, user: 'kplay', privateKeyPath: lab.keyPath, knownHostsFiles: [lab.knownHostsPath], agent: false });
    try {
      const r = await t.exec('id -un', { become: root() });
      expect(r).to.include({ rc: 0 });
      expect(r.stdout.trim()).to.equal('root');
      const text = await t.exec('cat', { become: root(), stdin: 'through a tty\n' });
      expect(text.stdout.replace(/\r/g, '')).to.equal('through a tty\n');
      const bin = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i & 0xff));
      await t.put('/root/requiretty.bin', bin, { mode: '0600', become: root() });
      expect((await asRoot.fetch('/root/requiretty.bin'))!.equals(bin)).to.equal(true);
      expect((await asRoot.exec('stat -c %U:%a /root/requiretty.bin')).stdout.trim()).to.equal('root:600');
    } finally {
      await t.close();
      await asRoot.exec('rm -f /etc/sudoers.d/zz-requiretty');
    }
  });
});
