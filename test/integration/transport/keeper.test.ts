/** The connection keeper (ControlPersist): runs share a host's SSH connection through it. Against a throwaway sshd. */
import { expect } from 'chai';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeptTransport } from '../../../engine/transport/keeper/client.ts';
import { runKeeper } from '../../../engine/transport/keeper/server.ts';
import type { SshOptions } from '../../../engine/transport/ssh.ts';
import { TransportError } from '../../../engine/transport/transport.ts';
import { makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';
import { until } from '../../support/until.ts';

const root = join(import.meta.dirname, '../../..');
const execFileAsync = promisify(execFile);


describe('connection keeper (throwaway sshd)', function () {
  let sshd: Sshd;
  let key: ClientKey;
  let work: string;
  let opts: SshOptions;
  let socketPath: string;
  let keeper: Promise<number>;
  const stopKeeper = new AbortController();

  before(async function () {
    requireSshd(this);
    sshd = await startSshd({ logLevel: 'INFO' });
    work = mkdtempSync(join(tmpdir(), 'kplay-keeper-'));
    key = makeClientKey(work, 'ed25519');
    sshd.authorize(key.publicKey);
    writeFileSync(join(work, 'known_hosts'), `${sshd.knownHostsLine()}\n`);
    opts = { host: 'h1', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, knownHostsFiles: [join(work, 'known_hosts')] };
    socketPath = join(work, 'keeper.sock');
    keeper = runKeeper({ socketPath, sweepMs: 100, signal: stopKeeper.signal });
    await until(() => existsSync(socketPath));
  });

  after(async () => {
    stopKeeper.abort();
    await keeper;
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const kept = (o: SshOptions = opts, persistMs = 60_000) => new KeptTransport(o, persistMs, socketPath);

  it('a second run gets the connection the first one left: no new SSH connection', async () => {
    const first = kept();
    await first.connect();
    expect(first.reused).to.equal(false);
    expect((await first.exec('echo one')).stdout).to.equal('one\n');
    await first.close();
    const logins = sshd.logins();
    expect(logins).to.be.greaterThan(0);

    const second = kept();
    await second.connect();
    expect(second.reused).to.equal(true);
    expect(await second.keeperStats()).to.include({ connects: 1 });
    expect((await second.exec('echo two')).stdout).to.equal('two\n');
    expect(sshd.logins()).to.equal(logins);
    await second.close();
  });

  it('carries exec (stdin, env, cwd, exit codes), put, putFile, fetch and binary bytes', async () => {
    const t = kept();
    try {
      expect(await t.exec('cat; echo err >&2; exit 3', { stdin: 'in\n' })).to.include({ rc: 3, stdout: 'in\n', stderr: 'err\n' });
      expect((await t.exec('printf %s "$X"; pwd', { env: { X: "a 'b'" }, cwd: '/tmp' })).stdout).to.equal("a 'b'/tmp\n");
      const bytes = Buffer.from([0, 255, 10, 13, 1, 2]);
      const path = join(work, 'put.bin');
      await t.put(path, bytes, { mode: '0600' });
      expect(readFileSync(path).equals(bytes)).to.equal(true);
      expect((await t.fetch(path))!.equals(bytes)).to.equal(true);
      expect(await t.fetch(join(work, 'missing'))).to.equal(undefined);
      writeFileSync(join(work, 'local.txt'), 'from a file\n');
      await t.putFile(join(work, 'local.txt'), join(work, 'copied.txt'));
      expect(readFileSync(join(work, 'copied.txt'), 'utf8')).to.equal('from a file\n');
    } finally {
      await t.close();
    }
  });

  it('carries become (sudo to another user) and a command timeout', async () => {
    const t = kept();
    try {
      expect((await t.exec('id -un', { become: { method: 'sudo', user: 'nobody' } })).stdout).to.equal('nobody\n');
      expect(await t.exec('sleep 5', { timeoutMs: 300 })).to.include({ rc: null, timedOut: true });
      expect((await t.exec('id -un')).stdout).to.equal('root\n');
    } finally {
      await t.close();
    }
  });

  it('opens TCP streams from the host, the first bytes of a server that speaks first included', async () => {
    const t = kept();
    try {
      const s = await t.connectTcp('127.0.0.1', sshd.port);
      const banner = await new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
      s.destroy();
      expect(banner).to.match(/^SSH-2\.0-/);
      expect((await t.exec('echo still')).stdout).to.equal('still\n');
    } finally {
      await t.close();
    }
  });

  it('does not share a connection made with other options (a rewritten known_hosts)', async () => {
    const a = kept();
    await a.connect();
    await a.close();
    writeFileSync(join(work, 'known_hosts'), `${sshd.knownHostsLine()}\n# rebuilt host\n`);
    const b = kept();
    await b.connect();
    expect(b.reused).to.equal(false);
    await b.close();
  });

  it('replaces a kept connection that died quietly', async () => {
    const a = kept();
    await a.connect();
    await a.close();
    const logins = sshd.logins();
    sshd.signalConnections('SIGKILL');
    const b = kept();
    await b.connect();
    expect((await b.exec('echo alive')).stdout).to.equal('alive\n');
    // a new connection: the keeper's liveness check failed, or it saw the loss first and reconnected
    await until(() => sshd.logins() === logins + 1);
    await b.close();
  });

  it('a run that goes away mid-command takes the connection with it, as a run that held it would', async () => {
    const t = kept();
    await t.connect();
    const logins = sshd.logins();
    const running = t.exec('sleep 30', { isolate: true }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await t.close();
    expect(await running).to.be.instanceOf(TransportError);
    const next = kept();
    await next.connect();
    expect(next.reused).to.equal(false);
    await until(() => sshd.logins() === logins + 1);
    await next.close();
  });

  it('reports an unreachable host as a TransportError, as a direct connection does', async () => {
    const t = kept({ ...opts, host: 'nobody', port: 1 });
    const e = await t.connect().catch((err: unknown) => err);
    expect(e).to.be.instanceOf(TransportError);
    expect((e as Error).message).to.contain('nobody').and.contain('127.0.0.1:1');
  });

  it('connects directly when no keeper can be reached', async () => {
    const t = new KeptTransport(opts, 60_000, join(work, 'no-such-dir', 'keeper.sock'));
    try {
      expect((await t.exec('echo direct')).stdout).to.equal('direct\n');
      expect(await t.keeperStats()).to.equal(undefined);
    } finally {
      await t.close();
    }
  });

  it('a keeper started ahead of its run waits for it, then exits if it never comes', async () => {
    const sock3 = join(work, 'ahead.sock');
    const started = Date.now();
    const ahead = runKeeper({ socketPath: sock3, sweepMs: 50, firstClientWaitMs: 600 });
    await until(() => existsSync(sock3));
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(sock3), 'still waiting after 300 ms').to.equal(true);
    expect(await ahead).to.equal(0);
    expect(Date.now() - started).to.be.at.least(550);
  });

  it('closes a connection nobody used for its persist time, and exits when it holds none', async () => {
    const sock2 = join(work, 'short.sock');
    const short = runKeeper({ socketPath: sock2, sweepMs: 50 });
    await until(() => existsSync(sock2));
    const t = new KeptTransport(opts, 100, sock2);
    await t.connect();
    await t.close();
    expect(await short).to.equal(0);
    expect(existsSync(sock2)).to.equal(false);
  });

  it('never closes a connection while it is being made, however short its persist time', async () => {
    const sock4 = join(work, 'brief.sock');
    const brief = runKeeper({ socketPath: sock4, sweepMs: 2 });
    await until(() => existsSync(sock4));
    // the SSH handshake takes far longer than 1 ms: the sweep runs many times meanwhile
    const t = new KeptTransport(opts, 1, sock4);
    expect((await t.exec('echo made')).stdout.toString().trim()).to.equal('made');
    await t.close();
    expect(await brief).to.equal(0);
  });
});

describe('kplay run keeps connections for the next run (the bundled CLI, throwaway sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let work: string;

  before(async function () {
    requireSshd(this);
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')]);
    sshd = await startSshd({ logLevel: 'INFO' });
    work = mkdtempSync(join(tmpdir(), 'kplay-keeper-cli-'));
    const key = makeClientKey(work, 'ed25519');
    sshd.authorize(key.publicKey);
    writeFileSync(join(work, 'known_hosts'), `${sshd.knownHostsLine()}\n`);
    writeFileSync(
      join(work, 'hosts.ini'),
      `node1 ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=root ansible_ssh_private_key_file=${key.path}\n`,
    );
    writeFileSync(join(work, 'site.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo hi\n      changed_when: false\n');
  });

  after(async () => {
    for (const f of existsSync(join(work, 'keeper')) ? spawnSync('sh', ['-c', `cat ${join(work, 'keeper')}/*.pid 2>/dev/null`], { encoding: 'utf8' }).stdout.split('\n') : []) {
      if (f.trim()) spawnSync('kill', [f.trim()]);
    }
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('starts a keeper on the first run, which the second run uses; no secret in its command line or environment', async () => {
    const env = { ...process.env, KPLAY_SSH_PERSIST: '60', KPLAY_KEEPER_DIR: join(work, 'keeper'), KPLAY_SSH_PASSPHRASE: 'not-for-the-keeper' };
    // asynchronously: this process reads the sshd's log
    const run = () => execFileAsync(process.execPath, [join(root, 'bin/kplay.js'), 'run', join(work, 'site.yml'), '-i', join(work, 'hosts.ini')], { env });
    await run();
    await until(() => sshd.logins() === 1);
    const pidFile = spawnSync('sh', ['-c', `ls ${join(work, 'keeper')}/*.pid`], { encoding: 'utf8' }).stdout.trim();
    const pid = readFileSync(pidFile, 'utf8').trim();
    await run();
    await new Promise((r) => setTimeout(r, 200));
    expect(sshd.logins(), 'the second run used the kept connection').to.equal(1);
    expect(readFileSync(pidFile, 'utf8').trim()).to.equal(pid);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(cmdline + environ).not.to.contain('not-for-the-keeper');
    // the keeper loads its own bundle, not the CLI's
    const maps = readFileSync(`/proc/${pid}/maps`, 'utf8') + spawnSync('ls', ['-l', `/proc/${pid}/fd`], { encoding: 'utf8' }).stdout;
    expect(cmdline).to.contain('__ssh-keeper');
    expect(maps).not.to.contain('kplay.cjs');
  });

  it("a run through the kept connection resolves paths from its directory and sees its environment; its exit code is the run's", async () => {
    const env = { ...process.env, KPLAY_SSH_PERSIST: '60', KPLAY_KEEPER_DIR: join(work, 'keeper'), KPLAY_TEST_WORD: 'from-the-cli' };
    // a connection made with these options (the first test's had a passphrase in its environment)
    await execFileAsync(process.execPath, [join(root, 'bin/kplay.js'), 'run', join(work, 'site.yml'), '-i', join(work, 'hosts.ini')], { env });
    const logins = sshd.logins();
    mkdirSync(join(work, 'sub'), { recursive: true });
    writeFileSync(join(work, 'sub', 'vars.yml'), 'word_file: from-a-relative-file\n');
    writeFileSync(
      join(work, 'sub', 'env.yml'),
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: { msg: "{{lookup \'env\' \'KPLAY_TEST_WORD\'}} {{word_file}}" }\n    - command: "false"\n',
    );
    const r = await execFileAsync(process.execPath, [join(root, 'bin/kplay.js'), 'run', 'env.yml', '-i', '../hosts.ini', '-e', '@vars.yml', '-v', '--json'], { env, cwd: join(work, 'sub') }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect((r as { code?: number }).code, r.stderr).to.equal(2);
    expect(r.stdout).to.contain('from-the-cli from-a-relative-file');
    expect(sshd.logins(), 'through the kept connection').to.equal(logins);
  });

  it('leaves no keeper behind after a run whose hosts are all local', async () => {
    const dir = join(work, 'keeper-local');
    const env = { ...process.env, KPLAY_SSH_PERSIST: '60', KPLAY_KEEPER_DIR: dir };
    writeFileSync(join(work, 'local.ini'), 'box1 ansible_connection=local\n');
    await execFileAsync(process.execPath, [join(root, 'bin/kplay.js'), 'run', join(work, 'site.yml'), '-i', join(work, 'local.ini')], { env });
    await until(() => !existsSync(dir) || readdirSync(dir).length === 0);
  });

  it('two runs at once share the kept connection', async () => {
    const env = { ...process.env, KPLAY_SSH_PERSIST: '60', KPLAY_KEEPER_DIR: join(work, 'keeper') };
    writeFileSync(join(work, 'slow.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 1\n      changed_when: false\n');
    const run = (play: string, extra: NodeJS.ProcessEnv = {}) =>
      execFileAsync(process.execPath, [join(root, 'bin/kplay.js'), 'run', join(work, play), '-i', join(work, 'hosts.ini')], { env: { ...env, ...extra } });
    await run('site.yml');
    const logins = sshd.logins();
    const slow = run('slow.yml');
    await new Promise((r) => setTimeout(r, 300));
    const second = await run('site.yml');
    expect(second.stdout).to.match(/ok=1/);
    expect((await slow).stdout).to.match(/ok=1/);
    expect(sshd.logins(), 'both used the kept connection').to.equal(logins);
  });

  it('Ctrl-C stops a run on kept connections (exit 99); a second one ends the command at once; the keeper serves the next run', async () => {
    const env = { ...process.env, KPLAY_SSH_PERSIST: '60', KPLAY_KEEPER_DIR: join(work, 'keeper') };
    writeFileSync(
      join(work, 'two-plays.yml'),
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: sleep 1\n      changed_when: false\n- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo second play\n',
    );
    const runOnce = () => {
      const child = spawn(process.execPath, [join(root, 'bin/kplay.js'), 'run', join(work, 'two-plays.yml'), '-i', join(work, 'hosts.ini')], { env });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const exit = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
      return { child, exit, stdout: () => stdout };
    };
    const one = runOnce();
    await until(() => /TASK \[command\]/.test(one.stdout()));
    one.child.kill('SIGINT');
    expect(await one.exit).to.equal(99);
    expect(one.stdout()).not.to.match(/second play/);

    const two = runOnce();
    await until(() => /TASK \[command\]/.test(two.stdout()));
    two.child.kill('SIGINT');
    // two signals at once are one: the second after the first was handled
    await new Promise((r) => setTimeout(r, 100));
    two.child.kill('SIGINT');
    expect(await two.exit).to.equal('SIGINT');
    // the keeper ended that run's commands and serves the next one
    const next = await execFileAsync(process.execPath, [join(root, 'bin/kplay.js'), 'run', join(work, 'site.yml'), '-i', join(work, 'hosts.ini')], { env });
    expect(next.stdout).to.match(/ok=1/);
  });
});
