/** Authentication: key types, encrypted keys, ssh-agent, passwords, and clear failures. */
import { expect } from 'chai';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, utils } from 'ssh2';
import { SshTransport, type SshOptions } from '../../../engine/transport/ssh.ts';
import { SshAuthError } from '../../../engine/transport/ssh-errors.ts';
import { RunScope } from '../../../engine/util/run-scope.ts';
import { TransportError } from '../../../engine/transport/transport.ts';
import { makeClientKey, requireSshd, startSshd, type Sshd } from '../../support/sshd.ts';

describe('SshTransport authentication', function () {
  let sshd: Sshd;
  let work: string;
  let kh: string;

  before(async function () {
    requireSshd(this);
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), 'kplay-ssh-auth-'));
    kh = join(work, 'known_hosts');
    writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
  });
  after(async () => {
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  afterEach(() => {
    delete process.env['KPLAY_SSH_PASSPHRASE'];
  });

  const opts = (extra: Partial<SshOptions>): SshOptions => ({ host: 'n1', address: '127.0.0.1', port: sshd.port, user: 'root', agent: false, knownHostsFiles: [kh], ...extra });
  async function whoami(o: SshOptions): Promise<string> {
    const t = new SshTransport(o);
    try {
      return (await t.exec('id -un')).stdout.trim();
    } finally {
      await t.close();
    }
  }
  async function failure(o: SshOptions): Promise<Error> {
    const t = new SshTransport(o);
    try {
      await t.connect();
    } catch (e) {
      return e as Error;
    } finally {
      await t.close();
    }
    throw new Error('connected, but should not have');
  }

  for (const type of ['ed25519', 'ecdsa', 'rsa'] as const) {
    it(`a ${type} key file`, async () => {
      const k = makeClientKey(work, type, '', `plain_${type}`);
      sshd.authorize(k.publicKey);
      expect(await whoami(opts({ privateKeyPath: k.path }))).to.equal('root');
    });
  }

  it('an inline key (Buffer)', async () => {
    const k = makeClientKey(work, 'ed25519', '', 'inline');
    sshd.authorize(k.publicKey);
    expect(await whoami(opts({ privateKey: readFileSync(k.path) }))).to.equal('root');
  });

  describe('an encrypted key', () => {
    // A fresh key per case: decrypted keys are cached for the run (bcrypt is slow, prompts are once).
    let path: string;
    let n = 0;
    beforeEach(() => {
      const k = makeClientKey(work, 'ed25519', 'correct horse', `encrypted_${n++}`);
      sshd.authorize(k.publicKey);
      path = k.path;
    });

    it('with the passphrase option', async () => {
      expect(await whoami(opts({ privateKeyPath: path, passphrase: 'correct horse' }))).to.equal('root');
    });

    it('with KPLAY_SSH_PASSPHRASE', async () => {
      process.env['KPLAY_SSH_PASSPHRASE'] = 'correct horse';
      expect(await whoami(opts({ privateKeyPath: path }))).to.equal('root');
    });

    it('with a prompt callback, which is told which key', async () => {
      const asked: string[] = [];
      const passphrasePrompt = async (label: string) => {
        asked.push(label);
        return 'correct horse';
      };
      expect(await whoami(opts({ privateKeyPath: path, passphrasePrompt }))).to.equal('root');
      expect(asked).to.deep.equal([path]);
    });

    it('is decrypted and prompted for once, however many hosts of the run use it', async () => {
      let asked = 0;
      const passphrasePrompt = async () => {
        asked++;
        return 'correct horse';
      };
      const scope = new RunScope();
      const names = await Promise.all([1, 2, 3].map(() => whoami(opts({ privateKeyPath: path, passphrasePrompt, scope }))));
      expect(names).to.deep.equal(['root', 'root', 'root']);
      expect(asked).to.equal(1);
    });

    it('a wrong passphrase is reported as such, without the passphrase', async () => {
      const e = await failure(opts({ privateKeyPath: path, passphrase: 'wrong horse' }));
      expect(e).to.be.instanceOf(SshAuthError).and.instanceOf(TransportError);
      expect(e.message).to.match(/wrong passphrase/).and.contain(path).and.not.contain('wrong horse');
    });

    it('no passphrase at all says how to give one', async () => {
      const e = await failure(opts({ privateKeyPath: path }));
      expect(e.message).to.match(/encrypted/).and.match(/KPLAY_SSH_PASSPHRASE/);
    });
  });

  it('ssh-agent (SSH_AUTH_SOCK by default)', async function () {
    if (!existsSync('/usr/bin/ssh-agent')) this.skip();
    const k = makeClientKey(work, 'ed25519', '', 'agent_key');
    sshd.authorize(k.publicKey);
    const sock = join(work, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const saved = process.env['SSH_AUTH_SOCK'];
    try {
      for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 25));
      execFileSync('ssh-add', [k.path], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      process.env['SSH_AUTH_SOCK'] = sock;
      const o = opts({});
      delete o.agent; // default: SSH_AUTH_SOCK
      expect(await whoami(o)).to.equal('root');
    } finally {
      if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = saved;
      agent.kill();
    }
  });

  it('a key the server does not accept: SshAuthError naming user, host and methods tried', async () => {
    const k = makeClientKey(work, 'ed25519', '', 'stranger');
    const e = await failure(opts({ privateKeyPath: k.path }));
    expect(e).to.be.instanceOf(SshAuthError);
    expect(e.message).to.contain(`root@127.0.0.1:${sshd.port}`).and.contain(k.path);
  });

  it('no credentials at all: says what to configure', async () => {
    const e = await failure(opts({ privateKeyPath: join(work, 'does-not-exist') }));
    expect(e).to.be.instanceOf(SshAuthError);
    expect(e.message).to.match(/cannot read private key/);
  });

  it('password authentication (against an in-process ssh2 server), password never in errors', async () => {
    const hostKeyPath = join(work, 'pw_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyPath]);
    const hostKey = readFileSync(hostKeyPath);
    const server = new Server({ hostKeys: [hostKey] }, (client) => {
      client.on('authentication', (ctx) => {
        if (ctx.method === 'password' && ctx.username === 'bootstrap' && ctx.password === 's3cret pass') ctx.accept();
        else ctx.reject(['password']);
      });
      client.on('ready', () => {
        client.on('session', (accept) => {
          const session = accept();
          session.on('exec', (acceptExec, _reject, info) => {
            const ch = acceptExec();
            ch.write(`ran: ${info.command}\n`);
            ch.exit(0);
            ch.end();
          });
        });
      });
      client.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const pub = utils.parseKey(hostKey);
    const blob = (Array.isArray(pub) ? pub[0] : pub) as { getPublicSSH(): Buffer };
    const pkh = join(work, 'pw_known_hosts');
    writeFileSync(pkh, `[127.0.0.1]:${port} ssh-ed25519 ${blob.getPublicSSH().toString('base64')}\n`);
    try {
      const good = new SshTransport({ host: 'pw', address: '127.0.0.1', port, user: 'bootstrap', password: 's3cret pass', agent: false, knownHostsFiles: [pkh] });
      expect((await good.exec('hello')).stdout).to.equal('ran: exec /bin/sh -c hello\n');
      await good.close();
      const bad = new SshTransport({ host: 'pw', address: '127.0.0.1', port, user: 'bootstrap', password: 'nope-nope', agent: false, knownHostsFiles: [pkh] });
      const e = await bad.connect().then(() => undefined, (x: unknown) => x as Error);
      expect(e).to.be.instanceOf(SshAuthError);
      expect(e!.message).to.contain('password').and.not.contain('nope-nope');
      await bad.close();
    } finally {
      server.close();
    }
  });
});
