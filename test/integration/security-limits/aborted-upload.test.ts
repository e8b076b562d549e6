/**
 * Issue 18, clean aborts: a 200 MB upload killed half-way (SIGKILL of the CLI) leaves its
 * `.NAME.kplay-<hex>.tmp` beside the destination and never a partial destination; the next run
 * removes that temp file and only kplay's own stale ones (not another name, not another
 * destination's, not one written after the run started), and writes the file whole.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../engine/transport/local.ts';
import { kplay, recap } from '../../support/kplay.ts';
import { makeClientKey, requireSshd, startSshd, type Sshd } from '../../support/sshd.ts';
import { until } from '../../support/until.ts';

const root = join(import.meta.dirname, '../../..');
const TEMP = /^\.big\.bin\.kplay-[0-9a-f]{12}\.tmp$/;

function sha256(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

describe('an aborted upload leaves nothing behind after the next run (issue 18)', function () {
  this.timeout(300_000);
  let sshd: Sshd;
  let dir: string;

  before(async function () {
    requireSshd(this);
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'kplay-abort-'));
  });
  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL of the CLI during a 200 MB copy, then a rerun: the file whole, no temp file left, other files untouched', async () => {
    const key = makeClientKey(dir, 'ed25519');
    sshd.authorize(key.publicKey);
    writeFileSync(join(dir, 'known_hosts'), `${sshd.knownHostsLine()}\n`);
    const src = join(dir, 'big.src');
    const fd = openSync(src, 'w');
    const chunk = randomBytes(1024 * 1024);
    for (let i = 0; i < 200; i++) {
      chunk.writeUInt32LE(i, 0);
      writeSync(fd, chunk);
    }
    closeSync(fd);
    const out = join(dir, 'out');
    mkdirSync(out);
    const dest = join(out, 'big.bin');
    writeFileSync(
      join(dir, 'hosts.yml'),
      `all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: ${sshd.port}\n      ansible_user: root\n      ansible_ssh_private_key_file: ${key.path}\n      kplay_ssh_persist: 0\n`,
    );
    const play = join(dir, 'site.yml');
    writeFileSync(play, `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: {src: "${src}", dest: "${dest}", mode: "0600"}\n`);

    const child = spawn(process.execPath, [join(root, 'bin/kplay.js'), 'run', play, '-i', join(dir, 'hosts.yml')], {
      env: { ...process.env, KPLAY_FROM_SOURCE: '1', KPLAY_SSH_PERSIST: '0' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const temps = (): string[] => readdirSync(out).filter((f) => TEMP.test(f));
    await until(() => temps().some((f) => (statSync(join(out, f), { throwIfNoEntry: false })?.size ?? 0) > 20 * 1024 * 1024), 120_000);
    child.kill('SIGKILL');
    await exited;
    const left = temps();
    expect(left, 'the killed run leaves its temp file').to.have.length(1);
    expect(statSync(join(out, left[0]!)).size).to.be.below(200 * 1024 * 1024);
    expect(existsSync(dest), 'never a partial destination').to.equal(false);

    // files that are not a stale kplay temp file of big.bin stay
    const old = new Date(Date.now() - 3600_000);
    const keep = {
      notHex: '.big.bin.kplay-zzzzzzzzzzzz.tmp',
      otherDest: '.other.bin.kplay-0123456789ab.tmp',
      noDot: 'big.bin.kplay-0123456789ab.tmp',
      newer: '.big.bin.kplay-abcdefabcdef.tmp',
    };
    for (const f of Object.values(keep)) writeFileSync(join(out, f), 'not yours');
    for (const f of [keep.notHex, keep.otherDest, keep.noDot]) utimesSync(join(out, f), old, old);
    const future = new Date(Date.now() + 3600_000); // written "after the run started"
    utimesSync(join(out, keep.newer), future, future);
    // a second stale one of big.bin, from an older killed run
    writeFileSync(join(out, '.big.bin.kplay-0000000000ff.tmp'), 'stale');
    utimesSync(join(out, '.big.bin.kplay-0000000000ff.tmp'), old, old);
    // the host side (sshd's sftp-server) may still drain what the killed client sent: wait until the
    // temp file stops growing; mtimes are whole seconds, so the rerun starts a later second after
    const sizeOf = () => statSync(join(out, left[0]!)).size;
    for (let last = -1, size = sizeOf(); size !== last; last = size, size = sizeOf()) await new Promise((r) => setTimeout(r, 1000));
    await new Promise((r) => setTimeout(r, 2100));

    const r = await kplay('run', play, '-i', join(dir, 'hosts.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(recap(r)['h1']).to.include({ changed: 1, failed: 0, unreachable: 0 });
    expect(sha256(dest)).to.equal(sha256(src));
    expect(temps(), 'only the temp file written after the run started').to.deep.equal([keep.newer]);
    for (const f of Object.values(keep)) expect(readFileSync(join(out, f), 'utf8'), f).to.equal('not yours');
  });

  it('the local transport removes its stale temp files too, and only those', async () => {
    const out = join(dir, 'local');
    mkdirSync(out);
    const dest = join(out, 'big.bin');
    const old = new Date(Date.now() - 3600_000);
    for (const f of ['.big.bin.kplay-0123456789ab.tmp', '.big.bin.kplay-0123456789ac', '.big.bin.kplay-nothex000000.tmp']) {
      writeFileSync(join(out, f), 'x');
      utimesSync(join(out, f), old, old);
    }
    await new LocalTransport('localhost', Date.now()).put(dest, 'hello\n');
    expect(readdirSync(out).sort()).to.deep.equal(['.big.bin.kplay-nothex000000.tmp', 'big.bin']);
  });
});
