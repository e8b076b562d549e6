/** ProxyJump through a second sshd, and a server without an SFTP subsystem. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshTransport, type SshOptions } from '../../../engine/transport/ssh.ts';
import { acquireJump } from '../../../engine/transport/jump.ts';
import { TransportError } from '../../../engine/transport/transport.ts';
import { makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';

describe('SshTransport ProxyJump and SFTP-less servers (throwaway sshd)', function () {
  let jump: Sshd;
  let target: Sshd;
  let target2: Sshd;
  let noSftp: Sshd;
  let key: ClientKey;
  let work: string;
  let kh: string;

  before(async function () {
    requireSshd(this);
    work = mkdtempSync(join(tmpdir(), 'kplay-ssh-jump-'));
    key = makeClientKey(work, 'ed25519');
    [jump, target, target2, noSftp] = await Promise.all([startSshd(), startSshd(), startSshd(), startSshd({ sftp: false })]);
    kh = join(work, 'known_hosts');
    writeFileSync(kh, [jump, target, target2, noSftp].map((s) => `${s.knownHostsLine()}\n`).join(''));
    for (const s of [jump, target, target2, noSftp]) s.authorize(key.publicKey);
  });
  after(async () => {
    await Promise.all([jump, target, target2, noSftp].map((s) => s?.stop()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const base = (port: number, extra: Partial<SshOptions> = {}): SshOptions => ({
    host: `h${port}`,
    address: '127.0.0.1',
    port,
    user: 'root',
    privateKeyPath: key.path,
    agent: false,
    knownHostsFiles: [kh],
    ...extra,
  });

  /** Which local process owns the client end of the target's SSH connection: sshd when it came through the jump. */
  function clientProcessOf(sshClientVar: string): string {
    const srcPort = sshClientVar.trim().split(' ')[1];
    return execFileSync('ss', ['-tnpH', 'state', 'established', `sport = :${srcPort}`]).toString();
  }

  it('reaches a target through a jump host (forwardOut), sharing one jump connection', async () => {
    const jumpOpts = base(jump.port, { host: 'bastion' });
    const a = new SshTransport(base(target.port, { jump: jumpOpts }));
    const b = new SshTransport(base(target2.port, { jump: jumpOpts }));
    const [ra, rb] = await Promise.all([a.exec('echo $SSH_CLIENT'), b.exec('echo $SSH_CLIENT')]);
    expect(ra.rc).to.equal(0);
    expect(rb.rc).to.equal(0);
    expect(clientProcessOf(ra.stdout)).to.contain('sshd');
    expect(clientProcessOf(rb.stdout)).to.contain('sshd');
    const lease = acquireJump(jumpOpts, (o) => new SshTransport(o));
    expect(lease.transport.stats.connects).to.equal(1);
    lease.release();
    // files work through the jump as well
    await a.put(join(work, 'via-jump'), 'hello');
    expect(readFileSync(join(work, 'via-jump'), 'utf8')).to.equal('hello');
    await a.close();
    await b.close();
  });

  it('a direct connection is owned by this process, not sshd (the check above means something)', async () => {
    const t = new SshTransport(base(target.port));
    const r = await t.exec('echo $SSH_CLIENT');
    expect(clientProcessOf(r.stdout)).to.contain('node');
    await t.close();
  });

  it('a jump host that refuses the forward gives TransportError', async () => {
    const t = new SshTransport(base(1, { jump: base(jump.port, { host: 'bastion2', user: 'root' }) }));
    const err = await t.exec('true').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as Error).message).to.contain('via 127.0.0.1:');
    await t.close();
  });

  it('without SFTP: put, putFile and fetch go through cat over exec', async () => {
    const t = new SshTransport(base(noSftp.port));
    const p = join(work, 'nosftp.txt');
    await t.put(p, 'over exec\n', { mode: '0640' });
    expect(t.fileChannel).to.equal('exec');
    expect(readFileSync(p, 'utf8')).to.equal('over exec\n');
    expect(statSync(p).mode & 0o7777).to.equal(0o640);
    expect((await t.fetch(p))?.toString()).to.equal('over exec\n');
    await t.put(p, 'owned', { owner: 'nobody', group: 'nogroup' });
    await t.put(p, 'still owned');
    expect(statSync(p)).to.include({ uid: 65534 });
    expect(statSync(p).mode & 0o7777).to.equal(0o640);
    expect(await t.fetch(join(work, 'absent'))).to.equal(undefined);
    const src = join(work, 'src.bin');
    const bytes = Buffer.from(Array.from({ length: 5_000_000 }, (_, i) => (i * 7) & 0xff));
    writeFileSync(src, bytes);
    await t.putFile(src, join(work, 'dst.bin'));
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(readFileSync(join(work, 'dst.bin')))).to.equal(sha(bytes));
    expect((await t.fetch(join(work, 'dst.bin')))!.equals(bytes)).to.equal(true);
    await t.close();
  });
});
