/** Many commands and big files on ONE connection (throwaway sshd). */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshTransport } from '../../../engine/transport/ssh.ts';
import { makeClientKey, requireSshd, startSshd, type Sshd } from '../../support/sshd.ts';

function sha256File(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(p).on('data', (b) => h.update(b)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

describe('SshTransport under load (throwaway sshd)', function () {
  let sshd: Sshd;
  let t: SshTransport;
  let work: string;

  before(async function () {
    requireSshd(this);
    sshd = await startSshd();
    const key = makeClientKey(sshd.dir, 'ed25519');
    sshd.authorize(key.publicKey);
    work = mkdtempSync(join(tmpdir(), 'kplay-ssh-load-'));
    const kh = join(work, 'known_hosts');
    writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
    t = new SshTransport({ host: 'n1', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, knownHostsFiles: [kh] });
    await t.connect();
  });
  after(async () => {
    await t?.close();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('200 concurrent commands all succeed and never exceed the channel limit', async function () {
    this.timeout(240_000);
    const running = join(work, 'running');
    const seen = join(work, 'seen');
    await t.exec(['mkdir', '-p', running, seen]);
    const before = t.stats.channels + t.stats.shellCommands;
    // Each command marks itself running, records how many are running, and unmarks itself.
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.exec(`touch ${running}/${i}; n=$(ls ${running} | wc -l); echo $n > ${seen}/${i}; sleep 0.05; rm ${running}/${i}; echo ${i}`),
      ),
    );
    results.forEach((r, i) => expect(r, `command ${i}`).to.include({ rc: 0, stdout: `${i}\n` }));
    // the resident shell takes the first command; it holds one of the 8 slots, as a channel would
    expect(t.stats.channels + t.stats.shellCommands - before).to.equal(200);
    expect(t.stats.connects).to.equal(1);
    expect(t.channels.highWater).to.equal(8);
    const maxSeen = Number((await t.exec(`cat ${seen}/* | sort -n | tail -1`)).stdout.trim());
    expect(maxSeen).to.be.at.most(8);
    expect(maxSeen).to.be.at.least(2);
  });

  it('a server with fewer sessions than maxChannels: the pool shrinks instead of failing', async function () {
    this.timeout(120_000);
    const small = await startSshd({ maxSessions: 3 });
    try {
      const key = makeClientKey(small.dir, 'ed25519');
      small.authorize(key.publicKey);
      const s = new SshTransport({ host: 'small', address: '127.0.0.1', port: small.port, user: 'root', privateKeyPath: key.path, agent: false, hostKeyChecking: false });
      const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => s.exec(`sleep 0.05; echo ${i}`)));
      rs.forEach((r, i) => expect(r.stdout).to.equal(`${i}\n`));
      expect(s.channels.max).to.be.at.most(3);
      await s.close();
    } finally {
      await small.stop();
    }
  });

  it('uploads 100 MB intact (sha256) with putFile, atomically', async function () {
    this.timeout(300_000);
    const src = join(work, 'big.src');
    await new Promise<void>((resolve, reject) => {
      const w = createWriteStream(src);
      let seed = 1;
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 100; i++) {
        for (let j = 0; j < chunk.length; j += 4) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          chunk.writeUInt32LE(seed, j);
        }
        w.write(Buffer.from(chunk));
      }
      w.end(() => resolve());
      w.on('error', reject);
    });
    const dst = join(work, 'big.dst');
    await t.putFile(src, dst, { mode: '0600' });
    expect(statSync(dst).size).to.equal(100 * 1024 * 1024);
    expect(await sha256File(dst)).to.equal(await sha256File(src));
    const remote = (await t.exec(['sha256sum', dst])).stdout.split(' ')[0];
    expect(remote).to.equal(await sha256File(src));
  });
});
