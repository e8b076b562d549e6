import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshTransport, type SshOptions } from '../../../engine/transport/ssh.ts';
import { HostKeyError } from '../../../engine/transport/ssh-errors.ts';
import { TransportError } from '../../../engine/transport/transport.ts';
import { fingerprint } from '../../../engine/transport/hostkeys.ts';
import { makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';

describe('SshTransport host key checking (throwaway sshd)', function () {
  let sshd: Sshd;
  let other: Sshd;
  let key: ClientKey;
  let work: string;

  before(async function () {
    requireSshd(this);
    [sshd, other] = await Promise.all([startSshd(), startSshd({ hostKeyType: 'ed25519' })]);
    key = makeClientKey(sshd.dir, 'ed25519');
    sshd.authorize(key.publicKey);
    other.authorize(key.publicKey);
    work = mkdtempSync(join(tmpdir(), 'kplay-hk-it-'));
  });
  after(async () => {
    await sshd?.stop();
    await other?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const opts = (o: Partial<SshOptions>): SshOptions => ({ host: 'n1', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, ...o });
  const hostFp = (s: Sshd) => fingerprint(Buffer.from(s.hostPublicKey.split(' ')[1]!, 'base64'));

  it('refuses an unknown host by default, with its fingerprint and how to accept it', async () => {
    const kh = join(work, 'empty_known_hosts');
    const t = new SshTransport(opts({ knownHostsFiles: [kh] }));
    const err = await t.connect().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(HostKeyError).and.instanceOf(TransportError);
    expect((err as HostKeyError).code).to.equal('KPLAY_HOST_KEY');
    expect((err as Error).message).to.contain(hostFp(sshd)).and.contain(`[127.0.0.1]:${sshd.port}`);
    expect((err as HostKeyError).hint).to.contain('accept-new').and.contain('ssh-keyscan');
    // and stays refused: later calls fail fast with the same error
    const again = await t.exec('true').then(() => undefined, (e: unknown) => e);
    expect(again).to.equal(err);
    await t.close();
  });

  it('accept-new records the key in the first writable file, then strict accepts it', async () => {
    const first = join(work, 'inv', 'known_hosts');
    const second = join(work, 'home_known_hosts');
    const t = new SshTransport(opts({ knownHostsFiles: [first, second], hostKeyChecking: 'accept-new' }));
    expect((await t.exec('echo ok')).stdout).to.equal('ok\n');
    await t.close();
    expect(readFileSync(first, 'utf8')).to.equal(`${sshd.knownHostsLine()}\n`);
    const strict = new SshTransport(opts({ knownHostsFiles: [first, second] }));
    expect((await strict.exec('echo ok')).rc).to.equal(0);
    await strict.close();
  });

  it('refuses a CHANGED key (possible man-in-the-middle), even with accept-new', async () => {
    const kh = join(work, 'changed_known_hosts');
    // the known key of `other` recorded under this server's name: what a MITM would look like
    writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${other.hostPublicKey}\n`);
    for (const mode of ['strict', 'accept-new'] as const) {
      const t = new SshTransport(opts({ knownHostsFiles: [kh], hostKeyChecking: mode }));
      const err = await t.connect().then(() => undefined, (e: unknown) => e);
      expect(err, mode).to.be.instanceOf(HostKeyError);
      expect((err as Error).message).to.match(/man-in-the-middle/).and.contain('n1').and.contain(hostFp(sshd)).and.contain(hostFp(other));
      await t.close();
    }
    expect(readFileSync(kh, 'utf8')).to.equal(`[127.0.0.1]:${sshd.port} ${other.hostPublicKey}\n`);
  });

  it('matches hashed known_hosts entries', async () => {
    const kh = join(work, 'hashed');
    writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).to.match(/^\|1\|/);
    const t = new SshTransport(opts({ knownHostsFiles: [kh] }));
    expect((await t.exec('true')).rc).to.equal(0);
    await t.close();
  });

  it('hostKeyChecking false (explicit) connects to anything', async () => {
    const t = new SshTransport(opts({ knownHostsFiles: [join(work, 'nothing')], hostKeyChecking: false }));
    expect((await t.exec('true')).rc).to.equal(0);
    await t.close();
  });
});
