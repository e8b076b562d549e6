/** Dropped, killed and frozen servers: TransportError, one reconnect, and nothing hangs. */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshTransport } from '../../../engine/transport/ssh.ts';
import { TransportError } from '../../../engine/transport/transport.ts';
import { freePort, makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';

describe('SshTransport robustness (throwaway sshd)', function () {
  let sshd: Sshd;
  let key: ClientKey;
  let kh: string;
  let work: string;

  before(async function () {
    requireSshd(this);
    work = mkdtempSync(join(tmpdir(), 'kplay-ssh-rob-'));
    key = makeClientKey(work, 'ed25519');
  });
  beforeEach(async function () {
    if (!key) this.skip();
    sshd = await startSshd();
    sshd.authorize(key.publicKey);
    kh = join(work, 'known_hosts');
    writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
  });
  afterEach(async () => {
    sshd?.signalConnections('SIGCONT');
    await sshd?.stop();
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const transport = (extra: Partial<ConstructorParameters<typeof SshTransport>[0]> = {}) =>
    new SshTransport({ host: 'n1', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, knownHostsFiles: [kh], ...extra });

  it('unreachable (nothing listening) → TransportError', async () => {
    const t = new SshTransport({ host: 'gone', address: '127.0.0.1', port: await freePort(), privateKeyPath: key.path, agent: false, knownHostsFiles: [kh] });
    const err = await t.exec('true').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.match(/ECONNREFUSED/).and.contain('gone');
    await t.close();
  });

  it('a server that accepts TCP but never speaks SSH → TransportError after the connect timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const t = new SshTransport({ host: 'mute', address: '127.0.0.1', port, privateKeyPath: key.path, agent: false, knownHostsFiles: [kh], connectTimeoutMs: 300 });
      const err = await t.connect().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransportError);
      expect((err as Error).message).to.match(/timed out/i);
      await t.close();
    } finally {
      silent.close();
    }
  });

  it('sshd killed mid-run: the running command and the next exec give TransportError, nothing hangs', async () => {
    const t = transport();
    expect((await t.exec('true')).rc).to.equal(0);
    const running = t.exec('sleep 30');
    await new Promise((r) => setTimeout(r, 200));
    sshd.kill();
    const inFlight = await running.then(() => undefined, (e: unknown) => e);
    expect(inFlight).to.be.instanceOf(TransportError);
    const next = await t.exec('true').then(() => undefined, (e: unknown) => e);
    expect(next).to.be.instanceOf(TransportError);
    // dead now: fails fast with the same error, no new connection attempts
    const again = await t.exec('true').then(() => undefined, (e: unknown) => e);
    expect(again).to.equal(next);
    expect(t.stats.connects).to.equal(1);
    await t.close();
  });

  it('a dropped connection is re-established once for the next exec', async () => {
    const t = transport();
    expect((await t.exec('echo one')).stdout).to.equal('one\n');
    expect(sshd.signalConnections('SIGKILL')).to.be.greaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    expect((await t.exec('echo two')).stdout).to.equal('two\n');
    expect(t.stats.reconnects).to.equal(1);
    expect(t.stats.connects).to.equal(2);
    // SFTP comes back too
    await t.put(join(work, 'after-reconnect'), 'x');
    expect((await t.fetch(join(work, 'after-reconnect')))?.toString()).to.equal('x');
    await t.close();
  });

  it('a server restarted on the same port is reached again after the drop', async () => {
    const t = transport();
    expect((await t.exec('true')).rc).to.equal(0);
    await sshd.restart();
    expect((await t.exec('echo back')).stdout).to.equal('back\n');
    expect(t.stats.reconnects).to.equal(1);
    await t.close();
  });

  it('a frozen server is detected by keepalive: TransportError instead of a hang', async function () {
    this.timeout(30_000);
    const t = transport({ keepaliveIntervalMs: 200 });
    expect((await t.exec('true')).rc).to.equal(0);
    const running = t.exec('sleep 30');
    await new Promise((r) => setTimeout(r, 100));
    sshd.signalConnections('SIGSTOP');
    const err = await running.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    sshd.signalConnections('SIGCONT');
    await t.close();
  });

  it('a command timeout returns rc null + timedOut and the connection stays usable', async () => {
    const t = transport({ commandTimeoutMs: 300 });
    const r = await t.exec('sleep 20; echo never');
    expect(r).to.include({ rc: null, timedOut: true });
    expect(r.stdout).to.equal('');
    expect((await t.exec('echo fine', { timeoutMs: 10_000 })).stdout).to.equal('fine\n');
    expect(t.stats.connects).to.equal(1);
    await t.close();
  });

  it('close() during connect leaves no connection behind', async () => {
    const t = transport();
    const connecting = t.connect().then(() => undefined, (e: unknown) => e);
    await t.close();
    expect(await connecting).to.be.instanceOf(TransportError);
    await new Promise((r) => setTimeout(r, 300));
    expect(sshd.sessionProcesses()).to.equal(0);
  });

  it('close() ends the connection; later calls fail with TransportError', async () => {
    const t = transport();
    await t.connect();
    await t.close();
    const err = await t.exec('true').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
  });
});
