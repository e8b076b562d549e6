import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { applyOps } from '../../../engine/executor/apply.ts';
import { SshTransport } from '../../../engine/transport/ssh.ts';
import { makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';


describe('SshTransport against a throwaway sshd', function () {
  let sshd: Sshd;
  let key: ClientKey;
  let t: SshTransport;
  let work: string;
  let knownHosts: string;

  before(async function () {
    requireSshd(this);
    sshd = await startSshd();
    key = makeClientKey(sshd.dir, 'ed25519');
    sshd.authorize(key.publicKey);
    work = mkdtempSync(join(tmpdir(), 'kplay-ssh-work-'));
    knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
    t = new SshTransport({ host: 'h1', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, knownHostsFiles: [knownHosts] });
    await t.connect();
  });

  after(async () => {
    await t?.close();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs a script and returns stdout, stderr and the exit code', async () => {
    const r = await t.exec('echo out; echo err >&2; exit 7');
    expect(r).to.include({ rc: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('runs scripts with /bin/sh, not the login shell', async () => {
    const r = await t.exec('if [ -n "$BASH_VERSION" ]; then echo bash; else echo posix; fi');
    expect(r.stdout).to.equal('posix\n');
  });

  it('quotes an argv', async () => {
    const r = await t.exec(['printf', '%s|', 'a b', "it's", '$(touch /nonexistent/x)']);
    expect(r.stdout).to.equal("a b|it's|$(touch /nonexistent/x)|");
  });

  it('passes env as exported variables, hostile values included', async () => {
    const r = await t.exec('printf "%s" "$FOO"; sh -c \'printf "|%s" "$FOO"\'', { env: { FOO: `a 'b' "c" $(x) \`y\`\n` } });
    expect(r.stdout).to.equal(`a 'b' "c" $(x) \`y\`\n|a 'b' "c" $(x) \`y\`\n`);
  });

  it('runs in cwd', async () => {
    const r = await t.exec('pwd', { cwd: '/tmp' });
    expect(r.stdout).to.equal('/tmp\n');
  });

  it('streams stdin (string and Readable)', async () => {
    expect((await t.exec('cat', { stdin: 'hello\n' })).stdout).to.equal('hello\n');
    const r = await t.exec('wc -c', { stdin: Readable.from([Buffer.alloc(300_000, 1), Buffer.alloc(1, 2)]) });
    expect(r.stdout.trim()).to.equal('300001');
  });

  it('reports a signal (of a command in a process session of its own)', async () => {
    const r = await t.exec('kill -TERM $$', { isolate: true });
    expect(r.rc).to.equal(null);
    expect(r.signal).to.equal('SIGTERM');
  });

  it('caps captured output and says so', async () => {
    const r = await t.exec('head -c 100000 /dev/zero', { maxOutput: 1000 });
    expect(r.stdout.length).to.equal(1000);
    expect(r.truncated).to.equal(true);
    expect(r.rc).to.equal(0);
  });

  it('kills a command after its timeout', async () => {
    const r = await t.exec('sleep 30', { timeoutMs: 300 });
    expect(r).to.include({ rc: null, timedOut: true });
  });

  it('puts a file atomically with mode, and fetches it', async () => {
    const p = join(work, 'put.txt');
    await t.put(p, 'content\n', { mode: '0640' });
    expect(readFileSync(p, 'utf8')).to.equal('content\n');
    expect(statSync(p).mode & 0o7777).to.equal(0o640);
    expect((await t.fetch(p))?.toString()).to.equal('content\n');
    expect(await t.fetch(join(work, 'missing'))).to.equal(undefined);
  });

  it('keeps the mode of a file it replaces when no mode is given', async () => {
    const p = join(work, 'keep.txt');
    await t.put(p, 'one', { mode: '0600' });
    await t.put(p, 'two');
    expect(statSync(p).mode & 0o7777).to.equal(0o600);
    expect(readFileSync(p, 'utf8')).to.equal('two');
  });

  it('keeps owner and group of the file it replaces when none are given', async () => {
    const p = join(work, 'owned-before.txt');
    await t.put(p, 'one', { owner: 'nobody', group: 'nogroup', mode: '0640' });
    await t.put(p, 'two');
    expect(statSync(p)).to.include({ uid: 65534 });
    expect(statSync(p).mode & 0o7777).to.equal(0o640);
  });

  it('puts an empty file, a small one (requests pipelined) and one over 32 KiB (written in turn) alike', async () => {
    for (const [name, bytes] of [['empty', 0], ['small', 32 * 1024], ['large', 32 * 1024 + 1]] as const) {
      const p = join(work, `${name}.dat`);
      const content = Buffer.alloc(bytes, name.charCodeAt(0));
      await t.put(p, content, { mode: '0604' });
      expect(readFileSync(p).equals(content), name).to.equal(true);
      expect(statSync(p).mode & 0o7777, name).to.equal(0o604);
    }
  });

  it('a small write that cannot be made fails with the path and leaves nothing behind', async () => {
    const p = join(work, 'no-such-dir', 'f');
    const err = await t.put(p, 'x').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.contain(p);
    const r = await t.exec(`ls -A ${work} | grep -c kplay- || true`);
    expect(r.stdout.trim()).to.equal('0');
  });

  it('applies owner and group before the rename', async () => {
    const p = join(work, 'owned.txt');
    await t.put(p, 'x', { mode: '0644', owner: 'nobody', group: 'nogroup' });
    expect(statSync(p).uid).to.equal(65534);
  });

  it('uploads a local file with putFile', async () => {
    const src = join(work, 'src.bin');
    writeFileSync(src, Buffer.alloc(3_000_000, 7));
    const dst = join(work, 'dst.bin');
    await t.putFile(src, dst, { mode: '0600' });
    expect(createHash('sha256').update(readFileSync(dst)).digest('hex')).to.equal(createHash('sha256').update(readFileSync(src)).digest('hex'));
  });

  it('fetches binary content intact', async () => {
    const p = join(work, 'bin');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    writeFileSync(p, bytes);
    expect((await t.fetch(p))?.equals(bytes)).to.equal(true);
  });

  it('leaves no temp files behind', async () => {
    const r = await t.exec(`ls -A ${work} | grep -c kplay- || true`);
    expect(r.stdout.trim()).to.equal('0');
  });

  it('opens a TCP stream from the host (forwardOut)', async () => {
    const s = await t.connectTcp('127.0.0.1', sshd.port);
    const banner = await new Promise<string>((resolve) => s.once('data', (b: Buffer) => resolve(b.toString())));
    s.destroy();
    expect(banner).to.match(/^SSH-2\.0-OpenSSH/);
  });

  describe('resident shell', () => {
    it("runs kplay's own commands one after another in one shell: one channel for many commands", async () => {
      const channels = t.stats.channels;
      const shellCommands = t.stats.shellCommands;
      const pids = new Set<string>();
      for (let i = 0; i < 5; i++) pids.add((await t.exec('echo $$')).stdout);
      expect(pids.size).to.equal(1);
      expect(t.stats.shellCommands - shellCommands).to.equal(5);
      expect(t.stats.channels - channels).to.be.at.most(1);
    });

    it("a task's plain commands go as one command, and a failure among them is named with its own exit code", async () => {
      const before = t.stats.shellCommands;
      const dir = join(work, 'batched');
      await applyOps(t, [{ kind: 'exec', cmd: ['mkdir', '-p', '--', dir] }, { kind: 'exec', cmd: ['chmod', '--', '0750', dir] }], { batch: true });
      expect(t.stats.shellCommands - before).to.equal(1);
      expect(statSync(dir).mode & 0o777).to.equal(0o750);
      const err = await applyOps(t, [{ kind: 'exec', cmd: ['true'] }, { kind: 'exec', cmd: ['ls', '--', join(work, 'nothing-here')] }, { kind: 'exec', cmd: ['touch', '--', join(dir, 'never')] }], { batch: true }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/^ls -- \S+nothing-here: exit 2: ls: cannot access/);
      const r = await t.exec(['test', '-e', join(dir, 'never')]);
      expect(r.rc).to.equal(1);
    });

    it('commands with stdin or isolate get a channel of their own', async () => {
      const channels = t.stats.channels;
      expect((await t.exec('cat', { stdin: 'x' })).stdout).to.equal('x');
      await t.exec('true', { isolate: true });
      expect(t.stats.channels - channels).to.equal(2);
    });

    it('a command that kills the shell fails with a message; the next command gets a new shell', async () => {
      const r = await t.exec('kill -KILL $$');
      expect(r.rc).to.equal(null);
      expect(r.stderr).to.match(/shell on h1 ended while this command ran/);
      expect(await t.exec('echo back')).to.include({ rc: 0, stdout: 'back\n' });
    });

    it('a timeout kills the command on the host and the shell with it; the next command works', async () => {
      const r = await t.exec('sleep 31.337', { timeoutMs: 300 });
      expect(r).to.include({ rc: null, timedOut: true });
      // (this sshd runs on the test machine: look for our own sleep only; the kill may take a moment)
      const left = await t.exec(`for i in 1 2 3 4 5 6 7 8 9 10; do ps -eo args | grep -q '^sleep 31[.]337$' || exit 0; sleep 0.1; done; exit 1`);
      expect(left.rc).to.equal(0);
      expect(await t.exec('echo ok')).to.include({ rc: 0, stdout: 'ok\n' });
    });
  });
});
