/**
 * SSH transport on ssh2: ONE connection per host for the whole run, shared by all tasks. Commands
 * are session channels on it (at most maxChannels at once, FIFO), files go over one SFTP session
 * (or `cat >` over exec when the server has no SFTP, or when become changes the user).
 *
 * We hand ssh2 our own socket with TCP_NODELAY: ssh2 leaves Nagle on, and with delayed ACKs each
 * small round trip then waits ~40 ms (bench/ssh-transport.ts --lab: 48 → 5.7 ms per command over a channel).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join, posix } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client as Ssh2Client, ClientChannel, ConnectConfig, ExecOptions as Ssh2ExecOptions, SFTPWrapper } from 'ssh2';
import { ssh2 } from './ssh2-lib.ts';

type Client = Ssh2Client;
import { TransportError, type BecomeSpec, type ExecOptions, type ExecResult, type PutOptions, type TcpCapable, type Transport } from './transport.ts';
import { quote, quoteArgv } from './quote.ts';
import { BECOME_PASSWORD_REFUSED, becomePasswordRefused, becomeWrap, effectiveBecome, SUDO_REQUIRETTY } from './become.ts';
import { ChannelPool } from './channel-pool.ts';
import { ResidentShell, type ShellPipes } from './resident-shell.ts';
import { envPrefix } from './env.ts';
import { Capture } from './capture.ts';
import { killedByRemoteTimeout, remoteTimeout } from './remote-timeout.ts';
import { authMethods, KeyError, toSsh2AuthHandler, type PassphrasePrompt } from './ssh-auth.ts';
import { HostKeyChecker, type HostKeyChecking } from './host-key-checker.ts';
import { acquireJump, type JumpLease } from './jump.ts';
import { SshAuthError, SshConnectError, SshHandshakeDropped } from './ssh-errors.ts';
import { staleTempScript } from './stale-temps.ts';

export interface SshOptions {
  /** Inventory name, for messages. */
  host: string;
  /** ansible_host */
  address: string;
  port?: number;
  user?: string;
  privateKeyPath?: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Asked when a key is encrypted and KPLAY_SSH_PASSPHRASE does not decrypt it. */
  passphrasePrompt?: PassphrasePrompt;
  password?: string;
  /** ssh-agent socket; default process.env.SSH_AUTH_SOCK; false: no agent. */
  agent?: string | false;
  /** Default ~/.ssh/known_hosts; the CLI puts <inventoryDir>/known_hosts first. */
  knownHostsFiles?: string[];
  hostKeyChecking?: HostKeyChecking;
  connectTimeoutMs?: number;
  /** Default timeout of every command (ExecOptions.timeoutMs wins). */
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Session channels in flight on the connection; default 8 (below sshd's MaxSessions 10, one is SFTP). */
  maxChannels?: number;
  /** ProxyJump: reach this host through a forwarded TCP stream of the jump host. */
  jump?: SshOptions;
  /** TCP_NODELAY on our socket (default true); false only to measure what Nagle costs. */
  tcpNoDelay?: boolean;
  /**
   * Run kplay's own scripts in one resident shell per become user (resident-shell.ts) instead of a
   * channel each (default true). Commands with stdin, `isolate` or a become that needs a pty always
   * get a channel.
   */
  residentShell?: boolean;
}

export const SSH_DEFAULTS = {
  port: 22,
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  maxChannels: 8,
  maxOutput: 16 * 1024 * 1024,
  /** After a timeout kill, how long we wait for the channel to close before giving up on it. */
  killGraceMs: 5_000,
  /** A resident shell that fails to start this often (per become user) is not tried again. */
  residentShellStarts: 3,
  /**
   * How long a command keeps asking for a session channel that sshd refuses (MaxSessions reached,
   * or sessions closed a moment ago still counted), with backoff, before it fails naming MaxSessions.
   */
  channelRefusedMs: 30_000,
  /**
   * A handshake the server drops (MaxStartups throttling, a reset) is tried again this many times,
   * after 0.2, 0.4, 0.8, 1.6, 3.2 s (each plus up to as much again at random, so that many hosts
   * behind one sshd do not come back in step), before the host is UNREACHABLE.
   */
  handshakeRetries: 5,
  handshakeBackoffMs: 200,
};

interface RawResult {
  rc: number | null;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  truncated?: boolean;
  timedOut?: boolean;
}

interface ChannelRun {
  command: string;
  stdinPrefix?: string;
  stdin?: string | Buffer | Readable;
  timeoutMs?: number;
  maxOutput: number;
  pty: boolean;
  ptyPassword?: string;
}

type ConnState = 'idle' | 'ready' | 'lost' | 'dead';

interface ShellSlot {
  /** The connection the shell runs on: after a reconnect the slot starts over. */
  client: Client;
  shell?: ResidentShell | undefined;
  starting: boolean;
  starts: number;
}

function isEmptyStdin(stdin: ExecOptions['stdin']): boolean {
  return stdin === undefined || ((typeof stdin === 'string' || Buffer.isBuffer(stdin)) && stdin.length === 0);
}

/** The server refused a new session channel (MaxSessions reached): retried with a lower limit. */
class ChannelRefused extends Error {
  constructor(
    message: string,
    /** Sessions this connection had open when the server refused one more. */
    readonly open: number,
  ) {
    super(message);
  }
}

const CHANNEL_REFUSED = /open failed|open failure|administratively prohibited/i;

export { envPrefix } from './env.ts';
export { remoteTimeout } from './remote-timeout.ts';

export class SshTransport implements Transport, TcpCapable {
  readonly kind = 'ssh' as const;
  readonly host: string;
  readonly user: string;
  readonly port: number;
  /** Counters for tests and benchmarks. */
  readonly stats = { connects: 0, reconnects: 0, channels: 0, connectMs: 0, shellCommands: 0, handshakeRetries: 0 };

  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private state: ConnState = 'idle';
  private deadError: TransportError | undefined;
  private sftpSession: Promise<SFTPWrapper | null> | undefined;
  private sftpMissing = false;
  /**
   * The server allows too few sessions to keep persistent ones beside a command's channel
   * (MaxSessions 1-2): resident shells, then the SFTP session, are given up for this connection.
   */
  private shellsOff = false;
  private sftpOff = false;
  /** SFTP calls in flight: a given-up SFTP session is ended only when none is. */
  private sftpUsers = 0;
  private needsPty = false;
  private jumpLease: JumpLease | undefined;
  private closed = false;
  private readonly pool: ChannelPool;
  /** Resident shells by become user ('' = the login user). */
  private readonly shells = new Map<string, ShellSlot>();

  constructor(readonly opts: SshOptions) {
    this.host = opts.host;
    this.user = opts.user ?? userInfo().username;
    this.port = opts.port ?? SSH_DEFAULTS.port;
    this.pool = new ChannelPool(opts.maxChannels ?? SSH_DEFAULTS.maxChannels);
  }

  /** How files travel: over SFTP, or `cat` over exec when the server has no SFTP subsystem. */
  get fileChannel(): 'sftp' | 'exec' | 'unknown' {
    return this.sftpMissing ? 'exec' : this.sftpSession ? 'sftp' : 'unknown';
  }

  /** Channel limiter, exposed for tests (high-water mark). */
  get channels(): ChannelPool {
    return this.pool;
  }

  async connect(): Promise<void> {
    await this.ready();
  }

  /**
   * After a failed connect the transport stays dead (every call fails fast). A caller that knows
   * the host comes back (reboot, wait_for_connection) calls reset() to allow a fresh attempt.
   */
  reset(): void {
    if (this.state === 'dead') {
      this.state = 'idle';
      this.deadError = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    this.sftpSession = undefined;
    if (c) await endClient(c);
    this.jumpLease?.release();
    this.jumpLease = undefined;
  }

  exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const script = Array.isArray(cmd) ? quoteArgv(cmd) : cmd;
    return this.execRaw(script, opts).then((r) => {
      const out: ExecResult = {
        rc: r.rc,
        ...(r.signal ? { signal: r.signal } : {}),
        stdout: r.stdout.toString('utf8'),
        stderr: r.stderr.toString('utf8'),
        ...(r.truncated ? { truncated: true } : {}),
        ...(r.timedOut ? { timedOut: true } : {}),
      };
      // a wrong become password: say so, not only "non-zero return code"
      const become = effectiveBecome(opts.become, this.user);
      if (become?.password !== undefined && r.rc === 1 && BECOME_PASSWORD_REFUSED.test(`${out.stderr}\n${out.stdout}`)) {
        out.becomeRefused = becomePasswordRefused(this.host, become);
        out.stderr = `${out.becomeRefused}\n${out.stderr}`;
      }
      return out;
    });
  }

  async put(path: string, content: string | Buffer, opts: PutOptions = {}): Promise<void> {
    await this.putFrom(path, { data: Buffer.isBuffer(content) ? content : Buffer.from(content) }, opts);
  }

  async putFile(localPath: string, path: string, opts: PutOptions = {}): Promise<void> {
    await this.putFrom(path, { localPath }, opts);
  }

  async fetch(path: string, opts: { become?: BecomeSpec } = {}): Promise<Buffer | undefined> {
    if (!effectiveBecome(opts.become, this.user)) {
      const sftp = await this.sftp();
      if (sftp) {
        this.sftpUsers++;
        try {
          return await sftpCall<Buffer>((cb) => sftp.readFile(path, cb));
        } catch (e) {
          if (sftpCode(e) === 2) return undefined;
          if (sftpCode(e) !== 3) throw this.wrapSftpError(e, `read ${path}`);
          // permission denied: fall through to cat, which gives the real error text
        } finally {
          this.sftpDone(sftp);
        }
      }
    }
    const r = await this.execRaw(`if test -e ${quote(path)}; then exec cat -- ${quote(path)}; else exit 3; fi`, {
      ...(opts.become ? { become: opts.become } : {}),
      maxOutput: Number.MAX_SAFE_INTEGER,
    });
    if (r.rc === 3) return undefined;
    if (r.rc !== 0) throw new Error(`read ${path} on ${this.host}: ${r.stderr.toString('utf8').trim() || `exit ${r.rc}`}`);
    return r.stdout;
  }

  async connectTcp(host: string, port: number): Promise<Duplex> {
    const client = await this.ready();
    return new Promise((resolve, reject) => {
      try {
        client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
          if (err) reject(new Error(`${this.host}: cannot open ${host}:${port} from the host: ${err.message}`));
          else resolve(stream);
        });
      } catch (e) {
        reject(this.lostError(e));
      }
    });
  }

  // ---- connection ----------------------------------------------------------------------

  private ready(): Promise<Client> {
    if (this.closed) return Promise.reject(new TransportError(this.host, `${this.host}: transport is closed`));
    if (this.state === 'ready' && this.client) return Promise.resolve(this.client);
    if (this.state === 'dead') return Promise.reject(this.deadError!);
    if (!this.connecting) {
      const reconnecting = this.state === 'lost';
      this.connecting = this.open()
        .then((client) => {
          if (this.closed) {
            // close() was called while we were connecting: do not leave this connection behind
            void endClient(client);
            throw new SshConnectError(this.host, `${this.host}: transport closed while connecting`);
          }
          if (reconnecting) this.stats.reconnects++;
          this.client = client;
          this.state = 'ready';
          return client;
        })
        .catch((e: unknown) => {
          // One attempt per loss: a host that does not come back stays dead (fails fast) until reset().
          const err = e instanceof TransportError ? e : new TransportError(this.host, `${this.host}: ${String(e)}`, { cause: e });
          this.state = 'dead';
          this.deadError = err;
          // nobody may ever close() a transport whose connect failed: do not keep the jump host open for it
          this.jumpLease?.release();
          this.jumpLease = undefined;
          throw err;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const started = performance.now();
    const timeoutMs = this.opts.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs;
    let methods;
    try {
      methods = await authMethods(this.user, this.opts);
    } catch (e) {
      if (e instanceof KeyError) throw new SshAuthError(this.host, `${this.host}: ${e.message}`);
      throw e;
    }
    if (methods.length === 0) {
      throw new SshAuthError(
        this.host,
        `${this.host}: no SSH credentials: set ansible_ssh_private_key_file or ansible_password, or start an ssh-agent`,
      );
    }
    const checker = new HostKeyChecker({
      host: this.host,
      address: this.opts.address,
      port: this.port,
      files: this.opts.knownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')],
      mode: this.opts.hostKeyChecking ?? 'strict',
    });
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.handshake(methods, checker, timeoutMs, started);
      } catch (e) {
        if (!(e instanceof SshHandshakeDropped) || attempt >= SSH_DEFAULTS.handshakeRetries || this.closed) throw e;
        this.stats.handshakeRetries++;
        const base = SSH_DEFAULTS.handshakeBackoffMs * 2 ** attempt;
        await new Promise((r) => setTimeout(r, base + Math.random() * base));
      }
    }
  }

  private clientFor(sock: Duplex, methods: Awaited<ReturnType<typeof authMethods>>, checker: HostKeyChecker, timeoutMs: number): { client: Client; config: ConnectConfig } {
    const client = new (ssh2().Client)();
    const config: ConnectConfig = {
      sock,
      username: this.user,
      authHandler: toSsh2AuthHandler(methods),
      hostVerifier: (key: Buffer) => checker.check(key),
      readyTimeout: timeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs ?? SSH_DEFAULTS.keepaliveIntervalMs,
      keepaliveCountMax: SSH_DEFAULTS.keepaliveCountMax,
    };
    const hostKeyAlgos = checker.preferredAlgorithms();
    if (hostKeyAlgos) config.algorithms = { serverHostKey: hostKeyAlgos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    return { client, config };
  }

  private async handshake(methods: Awaited<ReturnType<typeof authMethods>>, checker: HostKeyChecker, timeoutMs: number, started: number): Promise<Client> {
    const sock = await this.openSocket(timeoutMs);
    const { client, config } = this.clientFor(sock, methods, checker, timeoutMs);
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          client.removeAllListeners('ready');
          client.on('error', () => {});
          client.destroy();
          sock.destroy();
          reject(err);
          return;
        }
        this.stats.connects++;
        this.stats.connectMs = performance.now() - started;
        client.on('error', () => {}); // the 'close' that follows is what we act on
        client.on('close', () => this.onLost(client));
        resolve(client);
      };
      // ssh2's readyTimeout covers the handshake; this bound covers everything, auth included.
      const timer = setTimeout(
        () => finish(new SshConnectError(this.host, `${this.host}: SSH handshake with ${this.target()} timed out after ${timeoutMs} ms`)),
        timeoutMs + 1000,
      );
      client.once('ready', () => finish());
      client.once('error', (err: Error & { level?: string }) => {
        if (checker.failure) return finish(checker.failure);
        if (err.level === 'client-authentication') {
          return finish(
            new SshAuthError(
              this.host,
              `${this.host}: authentication as ${this.user}@${this.target()} failed (tried: ${methods.map((m) => m.label).join(', ')})`,
            ),
          );
        }
        const dropped = /before handshake|ECONNRESET|EPIPE/.test(err.message);
        finish(new (dropped ? SshHandshakeDropped : SshConnectError)(this.host, `${this.host}: SSH connection to ${this.target()} failed: ${err.message}`, { cause: err }));
      });
      client.once('close', () => finish(checker.failure ?? new SshHandshakeDropped(this.host, `${this.host}: ${this.target()} closed the connection during the handshake`)));
      try {
        client.connect(config);
      } catch (e) {
        finish(new SshConnectError(this.host, `${this.host}: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  private target(): string {
    return `${this.opts.address}:${this.port}${this.opts.jump ? ` via ${this.opts.jump.address}:${this.opts.jump.port ?? 22}` : ''}`;
  }

  private async openSocket(timeoutMs: number): Promise<Duplex> {
    if (this.opts.jump) {
      if (!this.jumpLease) this.jumpLease = acquireJump(this.opts.jump, (o) => new SshTransport(o));
      try {
        return await this.jumpLease.transport.connectTcp(this.opts.address, this.port);
      } catch (e) {
        throw new SshConnectError(this.host, `${this.host}: cannot reach ${this.target()}: ${(e as Error).message}`, { cause: e });
      }
    }
    return new Promise<Socket>((resolve, reject) => {
      const sock = netConnect({ host: this.opts.address, port: this.port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new SshConnectError(this.host, `${this.host}: TCP connect to ${this.target()} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.setNoDelay(this.opts.tcpNoDelay !== false);
        sock.removeAllListeners('error');
        coalesceWrites(sock);
        resolve(sock);
      });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new SshConnectError(this.host, `${this.host}: cannot connect to ${this.target()}: ${err.code ?? err.message}`, { cause: err }));
      });
    });
  }

  private onLost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.sftpSession = undefined;
    // a new connection starts with the limit learned on this one, and without the sessions given up

    if (!this.closed && this.state === 'ready') this.state = 'lost';
  }

  private lostError(cause: unknown): TransportError {
    return new SshConnectError(this.host, `${this.host}: connection to ${this.target()} lost`, { cause });
  }

  // ---- exec --------------------------------------------------------------------------------

  private async execRaw(script: string, opts: ExecOptions): Promise<RawResult> {
    const become = effectiveBecome(opts.become, this.user);
    if (this.becomeNeedsPty(become)) return this.execOnPty(script, opts, become!);
    if (this.opts.residentShell !== false && !opts.isolate && isEmptyStdin(opts.stdin)) {
      const r = await this.execResident(script, opts, become);
      if (r) return r;
    }
    const wrapped = becomeWrap(this.scriptFor(script, opts), become, opts.cwd);
    // The script is POSIX sh whatever the login shell is (bash, zsh …); become already runs /bin/sh.
    if (!become) wrapped.command = `exec /bin/sh -c ${quote(wrapped.command)}`;
    const r = await this.runWithRetry({
      command: wrapped.command,
      ...(wrapped.stdinPrefix !== undefined ? { stdinPrefix: wrapped.stdinPrefix } : {}),
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...this.timeoutOf(opts),
      maxOutput: opts.maxOutput ?? SSH_DEFAULTS.maxOutput,
      pty: false,
    });
    // sudoers `requiretty`: the command did not run; run it again on a pty (and remember that).
    // A stream already handed to the first attempt cannot be replayed: that one caller gets the error.
    if (become && r.rc === 1 && SUDO_REQUIRETTY.test(r.stderr.toString('utf8'))) {
      this.needsPty = true;
      if (!(opts.stdin instanceof Readable)) return this.execOnPty(script, opts, become);
    }
    return r;
  }

  /**
   * become on a pty. Nothing but the password line is typed into the terminal: the command's
   * stdin is a file (the caller's stdin staged in a private directory of the login user, or
   * /dev/null), so it gets every byte and a real end of file.
   */
  private async execOnPty(script: string, opts: ExecOptions, become: BecomeSpec): Promise<RawResult> {
    let dir: string | undefined;
    let stdinFile = '/dev/null';
    try {
      if (opts.stdin !== undefined && !(typeof opts.stdin !== 'object' && opts.stdin === '')) {
        dir = await this.privateTempDir();
        stdinFile = posix.join(dir, 'stdin');
        const src = opts.stdin instanceof Readable ? { stream: opts.stdin } : { data: Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin) };
        await this.putFrom(stdinFile, src, { mode: '0600' });
      }
      const wrapped = becomeWrap(this.scriptFor(script, opts), become, opts.cwd, stdinFile);
      return await this.runWithRetry({
        command: wrapped.command,
        ...(wrapped.stdinPrefix !== undefined ? { stdinPrefix: wrapped.stdinPrefix } : {}),
        ...this.timeoutOf(opts),
        maxOutput: opts.maxOutput ?? SSH_DEFAULTS.maxOutput,
        pty: true,
        ...(wrapped.ptyPassword !== undefined ? { ptyPassword: wrapped.ptyPassword } : {}),
      });
    } finally {
      if (dir) await this.execRaw(`rm -rf ${quote(dir)}`, {}).catch(() => undefined);
    }
  }

  /** Undefined when no resident shell is free: the caller opens a channel. */
  private async execResident(script: string, opts: ExecOptions, become: BecomeSpec | undefined): Promise<RawResult | undefined> {
    const client = await this.ready();
    const shell = await this.residentShell(client, become);
    if (!shell?.idle) return undefined;
    // the shell already is the become user: only the cd of becomeWrap applies
    const body = becomeWrap(this.scriptFor(script, opts), undefined, opts.cwd).command;
    const o = await shell.run({ script: body, ...this.timeoutOf(opts), maxOutput: opts.maxOutput ?? SSH_DEFAULTS.maxOutput });
    if (this.shellsOff) shell.close(); // given up while it ran (the server's MaxSessions is too low for it)
    if (o.ended && this.client !== client) throw this.lostError(undefined);
    this.stats.shellCommands++;
    return {
      rc: o.rc,
      stdout: o.stdout,
      stderr: o.ended ? Buffer.concat([o.stderr, Buffer.from(`kplay: the shell on ${this.host} ended while this command ran\n`)]) : o.stderr,
      ...(o.truncated ? { truncated: true } : {}),
      ...(o.timedOut ? { timedOut: true } : {}),
    };
  }

  /**
   * The resident shell for this become user on this connection, started on first use. Busy or
   * starting: undefined, and the command takes a channel rather than waiting in line.
   */
  private async residentShell(client: Client, become: BecomeSpec | undefined): Promise<ResidentShell | undefined> {
    // the password is part of the key: a shell refused for a wrong password says nothing about the right one
    const key = become ? `${become.method}:${become.user || 'root'}:${become.password !== undefined ? createHash('sha256').update(become.password).digest('hex') : ''}` : '';
    let slot = this.shells.get(key);
    if (!slot || slot.client !== client) {
      slot?.shell?.close();
      slot = { client, starts: 0, starting: false };
      this.shells.set(key, slot);
    }
    if (slot.shell?.alive) return slot.shell;
    if (this.shellsOff) return undefined;
    if (slot.starting || slot.starts >= SSH_DEFAULTS.residentShellStarts || !this.pool.tryHold()) return undefined;
    slot.starting = true;
    slot.starts++;
    try {
      const boot = become ? becomeWrap('exec /bin/sh', become) : { command: 'exec /bin/sh' };
      const ch = await new Promise<ClientChannel | undefined>((resolve) => {
        try {
          client.exec(boot.command, {}, (err, channel) => resolve(err ? undefined : channel));
        } catch {
          resolve(undefined);
        }
      });
      if (!ch) {
        this.pool.releaseHeld();
        return undefined;
      }
      this.stats.channels++;
      ch.on('error', () => {});
      ch.once('close', () => this.pool.releaseHeld());
      const pipes: ShellPipes = {
        write: (d) => void ch.write(d),
        onStdout: (cb) => void ch.on('data', cb),
        onStderr: (cb) => void ch.stderr.on('data', cb),
        onClose: (cb) => void ch.once('close', cb),
        kill: () => {
          try {
            ch.signal('KILL');
            ch.close();
          } catch {
            // the channel is already going away
          }
        },
      };
      const shell = await ResidentShell.start(pipes, {
        ...(boot.stdinPrefix !== undefined ? { stdinPrefix: boot.stdinPrefix } : {}),
        timeoutMs: this.opts.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs,
      });
      // refused (sudo wants a tty or a password it did not get): channels from now on
      if (!shell) slot.starts = SSH_DEFAULTS.residentShellStarts;
      slot.shell = shell;
      return shell;
    } finally {
      slot.starting = false;
    }
  }

  private scriptFor(script: string, opts: ExecOptions): string {
    const withEnv = envPrefix(opts.env) + script;
    const timeoutMs = this.timeoutOf(opts).timeoutMs;
    return timeoutMs ? remoteTimeout(withEnv, timeoutMs) : withEnv;
  }

  private timeoutOf(opts: ExecOptions): { timeoutMs?: number } {
    const t = opts.timeoutMs ?? this.opts.commandTimeoutMs;
    return t !== undefined ? { timeoutMs: t } : {};
  }

  /** A 0700 directory of the login user for staging (mktemp -d under $TMPDIR or /tmp). */
  private async privateTempDir(): Promise<string> {
    const mk = await this.execRaw('umask 077; mktemp -d "${TMPDIR:-/tmp}/.kplay-XXXXXXXX"', {});
    const dir = mk.stdout.toString('utf8').trim();
    if (mk.rc !== 0 || !dir) throw new Error(`${this.host}: mktemp -d failed: ${mk.stderr.toString('utf8').trim()}`);
    return dir;
  }

  /** Whether commands with this become run on a pty (su with a password, sudo with requiretty). */
  private becomeNeedsPty(become: BecomeSpec | undefined): boolean {
    if (!become) return false;
    return this.needsPty || (become.method === 'su' && become.password !== undefined);
  }

  /**
   * A refused channel is the server's MaxSessions speaking: the per-connection limit drops to the
   * sessions that were open (persistent sessions are given up when that leaves no room for a
   * command) and the command asks again with backoff (50 ms doubling to 1 s), for at most
   * channelRefusedMs: then it fails with a message that names MaxSessions. Never forever.
   */
  private async runWithRetry(run: ChannelRun): Promise<RawResult> {
    const deadline = performance.now() + SSH_DEFAULTS.channelRefusedMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.runChannel(run);
      } catch (e) {
        if (!(e instanceof ChannelRefused)) throw e;
        if (performance.now() >= deadline) {
          throw new SshConnectError(
            this.host,
            `${this.host}: sshd on ${this.target()} refused every new session channel for ${SSH_DEFAULTS.channelRefusedMs / 1000} s ` +
              `(${e.open} session${e.open === 1 ? '' : 's'} open on the connection): its MaxSessions is too low; raise MaxSessions in sshd_config ` +
              `(kplay needs 1 session, 2 or more to run in parallel)`,
            { cause: e },
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  private async runChannel(run: ChannelRun): Promise<RawResult> {
    const client = await this.ready();
    await this.pool.acquire();
    try {
      return await this.channelExec(client, run);
    } catch (e) {
      if (e instanceof ChannelRefused) this.learnLimit(e.open);
      throw e;
    } finally {
      this.pool.release();
    }
  }

  /**
   * The server refused a session while `open` were open. Commands must keep at least one channel:
   * when the resident shells and the SFTP session take every session the server allows, they are
   * given up for this connection (shells first: commands then run over channels; then SFTP:
   * files then go through `cat >` over exec).
   */
  private learnLimit(open: number): void {
    if (open <= this.pool.heldCount) {
      if (!this.shellsOff && [...this.shells.values()].some((s) => s.shell?.alive || s.starting)) {
        this.shellsOff = true;
        for (const slot of this.shells.values()) if (slot.shell?.idle) slot.shell.close();
      } else if (!this.sftpOff && this.sftpSession) {
        this.sftpOff = true;
        if (this.sftpUsers === 0) this.endSftp();
      }
    }
    this.pool.shrink(open);
  }

  private endSftp(): void {
    const session = this.sftpSession;
    this.sftpSession = undefined;
    void session?.then((s) => s?.end()).catch(() => undefined);
  }

  private sftpDone(sftp: SFTPWrapper): void {
    this.sftpUsers--;
    if (this.sftpOff && this.sftpUsers === 0 && this.sftpSession) void this.sftpSession.then((s) => s === sftp && this.endSftp());
  }

  private channelExec(client: Client, run: ChannelRun): Promise<RawResult> {
    return new Promise<RawResult>((resolve, reject) => {
      const execOpts: Ssh2ExecOptions = run.pty ? { pty: { term: 'dumb', modes: { ECHO: 0, ONLCR: 0, ISIG: 0, IXON: 0 } } } : {};
      const onOpen = (err: Error | undefined, ch: ClientChannel) => {
        if (err) {
          if (CHANNEL_REFUSED.test(err.message) && this.client === client) {
            // the slot this command took is not a session: the others are
            reject(new ChannelRefused(err.message, this.pool.active - 1));
          } else {
            reject(this.client === client ? new SshConnectError(this.host, `${this.host}: cannot open a channel: ${err.message}`, { cause: err }) : this.lostError(err));
          }
          return;
        }
        this.stats.channels++;
        this.drive(client, ch, run).then(resolve, reject);
      };
      try {
        client.exec(run.command, execOpts, onOpen);
      } catch (e) {
        reject(this.lostError(e));
      }
    });
  }

  private drive(client: Client, ch: ClientChannel, run: ChannelRun): Promise<RawResult> {
    return new Promise<RawResult>((resolve, reject) => {
      const out = new Capture(run.maxOutput);
      const err = new Capture(run.maxOutput);
      let timedOut = false;
      let settled = false;
      const started = performance.now();
      let killTimer: NodeJS.Timeout | undefined;
      const timer = run.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            try {
              ch.signal('KILL');
              ch.close();
            } catch {
              // the channel is already going away
            }
            // Bound the wait even if the server never confirms the close.
            killTimer = setTimeout(() => done(null), SSH_DEFAULTS.killGraceMs);
          }, run.timeoutMs)
        : undefined;
      let flushUnanswered = () => {};
      const done = (code: number | null | undefined, signal?: string) => {
        if (settled) return;
        settled = true;
        flushUnanswered();
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        if (!timedOut && killedByRemoteTimeout(code, signal, performance.now() - started, run.timeoutMs)) timedOut = true;
        if (code === undefined && !timedOut && this.client !== client) {
          reject(this.lostError(undefined));
          return;
        }
        resolve({
          rc: timedOut ? null : (code ?? null),
          ...(signal && !timedOut ? { signal } : {}),
          stdout: out.buffer(),
          stderr: err.buffer(),
          ...(out.truncated || err.truncated ? { truncated: true } : {}),
          ...(timedOut ? { timedOut: true } : {}),
        });
      };
      ch.on('close', (code: number | null | undefined, signal?: string) => done(code, signal));
      ch.on('error', () => {});
      ch.stderr.on('data', (b: Buffer) => err.push(b));

      const feedStdin = () => {
        if (run.stdinPrefix) ch.write(run.stdinPrefix);
        // On a pty the command reads a file (see execOnPty); the terminal itself gets no more input.
        if (run.pty) return;
        if (run.stdin instanceof Readable) {
          run.stdin.on('error', () => ch.close());
          run.stdin.pipe(ch);
        } else {
          ch.end(run.stdin ?? '');
        }
      };

      if (run.ptyPassword !== undefined) {
        // su on a pty: wait for the prompt, answer it, and keep the prompt out of the output.
        // su may not ask at all (root): then what came is output, flushed when the channel closes.
        let answered = false;
        let afterPrompt = true;
        let preamble = Buffer.alloc(0);
        flushUnanswered = () => {
          if (!answered) out.push(preamble);
        };
        ch.on('data', (b: Buffer) => {
          if (answered && afterPrompt) {
            // su ends the (unechoed) password line with a newline of its own
            afterPrompt = false;
            b = b.subarray(/^\r?\n/.exec(b.toString('latin1'))?.[0].length ?? 0);
          }
          if (answered) return out.push(b);
          preamble = Buffer.concat([preamble, b]);
          const text = preamble.toString('utf8');
          if (SU_PROMPT.test(text)) {
            answered = true;
            ch.write(`${run.ptyPassword}\n`);
            feedStdin();
          } else if (preamble.length > 4096) {
            answered = true;
            out.push(preamble);
          }
        });
      } else {
        ch.on('data', (b: Buffer) => out.push(b));
        feedStdin();
      }
    });
  }

  // ---- files --------------------------------------------------------------------------------

  /**
   * The connection's SFTP session, opened on first use. It is a session like any channel, so it
   * holds a slot of the channel pool while open; when no slot is free now (or the server refuses
   * it), this one transfer goes over exec instead.
   */
  private async sftp(): Promise<SFTPWrapper | null> {
    if (this.sftpMissing || this.sftpOff) return null;
    const client = await this.ready();
    if (!this.sftpSession) {
      if (!this.pool.tryHold()) return null;
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          this.pool.releaseHeld();
        }
      };
      const session = new Promise<SFTPWrapper | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new SshConnectError(this.host, `${this.host}: SFTP did not start`)), this.opts.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs);
        try {
          client.sftp((err, sftp) => {
            clearTimeout(timer);
            if (err) {
              release();
              if (this.client !== client) return reject(this.lostError(err));
              if (CHANNEL_REFUSED.test(err.message)) {
                // MaxSessions: the sessions open are all the server allows; this transfer takes exec
                this.learnLimit(this.pool.active);
                if (this.sftpSession === session) this.sftpSession = undefined;
                return resolve(null);
              }
              // No Subsystem sftp on this server: files go through `cat >` over exec from now on.
              this.sftpMissing = true;
              return resolve(null);
            }
            sftp.on('error', () => {});
            sftp.on('close', () => {
              release();
              if (this.sftpSession === session) this.sftpSession = undefined;
            });
            resolve(sftp);
          });
        } catch (e) {
          clearTimeout(timer);
          release();
          reject(this.lostError(e));
        }
      });
      this.sftpSession = session;
      session.catch(() => {
        if (this.sftpSession === session) this.sftpSession = undefined;
      });
    }
    return this.sftpSession;
  }

  private async putFrom(path: string, src: PutSource, opts: PutOptions): Promise<void> {
    const become = effectiveBecome(opts.become, this.user);
    if (!become) {
      const sftp = await this.sftp();
      if (sftp) return this.putSftp(sftp, path, src, opts);
    }
    return this.putShell(path, src, opts, become);
  }

  private async putSftp(sftp: SFTPWrapper, path: string, src: PutSource, opts: PutOptions): Promise<void> {
    this.sftpUsers++;
    // temp files of killed runs beside this destination go, while the content travels (stale-temps.ts)
    const cleanup = this.execRaw(staleTempScript(path), {}).catch(() => undefined);
    try {
      await this.putSftpNow(sftp, path, src, opts);
    } finally {
      this.sftpDone(sftp);
      await cleanup;
    }
  }

  private async putSftpNow(sftp: SFTPWrapper, path: string, src: PutSource, opts: PutOptions): Promise<void> {
    const tmp = tempPathFor(path);
    // What we replace (asked while the content travels): its mode, owner and group are kept.
    const existingP = sftpCall<{ mode: number; uid: number; gid: number }>((cb) => sftp.stat(path, cb)).catch(() => undefined);
    try {
      if ('data' in src && src.data.length <= PIPELINED_WRITE_MAX && !opts.owner && !opts.group) {
        await this.writeSmallSftp(sftp, tmp, src.data, existingP, opts.mode);
        await this.sftpRename(sftp, tmp, path);
        return;
      }
      if ('data' in src) {
        await sftpCall<void>((cb) => sftp.writeFile(tmp, src.data, { mode: 0o600, flag: 'wx' }, cb));
      } else if ('stream' in src) {
        await pipeline(src.stream, sftp.createWriteStream(tmp, { mode: 0o600, flags: 'wx' }));
      } else {
        await sftpCall<void>((cb) => sftp.fastPut(src.localPath, tmp, { mode: 0o600, concurrency: 64, chunkSize: 32 * 1024 }, cb));
      }
      const existing = await existingP;
      const mode = modeFor(opts.mode, existing);
      if (existing && !opts.owner && !opts.group) {
        // Keep owner and group too where we may (root); a plain user cannot give files away.
        await sftpCall<void>((cb) => sftp.chown(tmp, existing.uid, existing.gid, cb)).catch(() => undefined);
      }
      if (opts.owner || opts.group) {
        const r = await this.execRaw(
          `chown ${quote(ownerSpec(opts))} ${quote(tmp)} && chmod ${quote(mode)} ${quote(tmp)} && mv -f ${quote(tmp)} ${quote(path)}`,
          {},
        );
        if (r.rc !== 0) throw new Error(`write ${path} on ${this.host}: ${r.stderr.toString('utf8').trim()}`);
        return;
      }
      await sftpCall<void>((cb) => sftp.chmod(tmp, parseInt(mode, 8), cb));
      await this.sftpRename(sftp, tmp, path);
    } catch (e) {
      await sftpCall<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw e instanceof TransportError || !isSftpError(e) ? e : this.wrapSftpError(e, `write ${path}`);
    }
  }

  /**
   * A small file in three round trips instead of five: the temp file is opened (while the file it
   * replaces is looked at), then its content, mode, owner and the close go out together (the
   * server takes them in order); the rename is sent only once all of them have succeeded.
   */
  private async writeSmallSftp(sftp: SFTPWrapper, tmp: string, data: Buffer, existingP: Promise<{ mode: number; uid: number; gid: number } | undefined>, wantMode: string | undefined): Promise<void> {
    const handle = await sftpCall<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
    const existing = await existingP;
    const mode = modeFor(wantMode, existing);
    const steps: Promise<unknown>[] = [];
    if (data.length > 0) steps.push(sftpCall<void>((cb) => sftp.write(handle, data, 0, data.length, 0, cb)));
    // the owner of the file it replaces, where we may (root): a plain user cannot give files away
    if (existing) steps.push(sftpCall<void>((cb) => sftp.fchown(handle, existing.uid, existing.gid, cb)).catch(() => undefined));
    steps.push(sftpCall<void>((cb) => sftp.fchmod(handle, parseInt(mode, 8), cb)));
    steps.push(sftpCall<void>((cb) => sftp.close(handle, cb)));
    await Promise.all(steps);
  }

  private async sftpRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    try {
      await sftpCall<void>((cb) => sftp.ext_openssh_rename(from, to, cb));
      return;
    } catch (e) {
      if (!/does not support/.test((e as Error).message)) throw e;
    }
    const r = await this.execRaw(`mv -f ${quote(from)} ${quote(to)}`, {});
    if (r.rc !== 0) throw new Error(`rename ${to} on ${this.host}: ${r.stderr.toString('utf8').trim()}`);
  }

  /**
   * `cat >` into a temp file beside the target, as the become user (content streamed on stdin, so it
   * is never readable by anyone else, and never parked somewhere world-readable), then chmod/chown
   * and an atomic mv. When become needs a pty, execRaw stages stdin in a private directory of the
   * login user whose shell opens it for the command.
   */
  private async putShell(path: string, src: PutSource, opts: PutOptions, become: BecomeSpec | undefined): Promise<void> {
    const stdinOf = () => ('data' in src ? src.data : 'stream' in src ? src.stream : createReadStream(src.localPath));
    let r = await this.execRaw(installScript(path, opts), { stdin: stdinOf(), ...(become ? { become } : {}) });
    // requiretty found out on this very call with a file stream: open the file again, now on a pty.
    if (r.rc !== 0 && become && 'localPath' in src && SUDO_REQUIRETTY.test(r.stderr.toString('utf8'))) {
      r = await this.execRaw(installScript(path, opts), { stdin: stdinOf(), become });
    }
    if (r.rc !== 0) {
      const why = (r.stderr.toString('utf8').trim() || r.stdout.toString('utf8').trim() || `exit ${r.rc}`).replace(/\r/g, '');
      throw new Error(`write ${path} on ${this.host}: ${why}`);
    }
  }

  private wrapSftpError(e: unknown, what: string): Error {
    if (this.state !== 'ready') return this.lostError(e);
    return new Error(`${what} on ${this.host}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Shell that writes the new content into a temp file beside `path` (umask 077, so nobody else can
 * read it meanwhile), applies mode and owner, and renames it into place. The content comes on stdin.
 */
function installScript(path: string, opts: PutOptions): string {
  const tmp = tempPathFor(path);
  const t = quote(tmp);
  const p = quote(path);
  return [
    // temp files of killed runs beside this destination (stale-temps.ts)
    staleTempScript(path),
    'umask 077',
    `cat > ${t} || { rm -f ${t}; exit 1; }`,
    opts.mode
      ? `chmod ${quote(opts.mode)} ${t} || { rm -f ${t}; exit 1; }`
      : `if test -e ${p}; then chmod --reference=${p} ${t}; else chmod 0644 ${t}; fi || { rm -f ${t}; exit 1; }`,
    opts.owner || opts.group
      ? `chown ${quote(ownerSpec(opts))} ${t} || { rm -f ${t}; exit 1; }`
      : `if test -e ${p}; then chown --reference=${p} ${t} 2>/dev/null; fi`,
    `mv -f ${t} ${p} || { rm -f ${t}; exit 1; }`,
  ]
    .filter(Boolean)
    .join('\n');
}


/**
 * su's password prompt, in the languages a host's default locale is likely to use: pass, parol, mot
 * de passe, contrase(ña), 密码, パスワード, then `:` or a full-width `：`. Escaped: the bundle must stay
 * ASCII (scripts/build.mjs).
 */
const SU_PROMPT = /(pass|parol|mot de passe|contrase|\u5bc6\u7801|\u30d1\u30b9\u30ef\u30fc\u30c9)[^\n]*[:\uff1a]\s*$/i;

type PutSource = { data: Buffer } | { localPath: string } | { stream: Readable };



export function tempPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.kplay-${randomBytes(6).toString('hex')}.tmp`);
}

function ownerSpec(opts: PutOptions): string {
  return `${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`;
}

/** Like `cp` onto an existing file: keep its mode; new files get 0644. */
function modeFor(wanted: string | undefined, existing: { mode: number } | undefined): string {
  return wanted ?? (existing ? (existing.mode & 0o7777).toString(8).padStart(4, '0') : '0644');
}

/** Content up to this size goes in one SFTP write request (servers take at least 34000-byte packets), so it can be pipelined. */
const PIPELINED_WRITE_MAX = 32 * 1024;

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, v) => (err ? reject(err) : resolve(v)));
    } catch (e) {
      reject(e);
    }
  });
}

function sftpCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function isSftpError(e: unknown): boolean {
  return sftpCode(e) !== undefined;
}

function endClient(c: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      c.destroy();
      resolve();
    }, 2000);
    c.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    c.on('error', () => {});
    c.end();
  });
}

/**
 * ssh2 writes every SSH packet with its own socket write, and with TCP_NODELAY each becomes a
 * syscall and a TCP segment (the largest single cost in a profile of a no-op run on 10 hosts).
 * Corking on the first write of a tick and uncorking on the next gathers the packets of one tick
 * into one writev, still sent at once, so round trips stay as short as without Nagle.
 */
function coalesceWrites(sock: Socket): void {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  sock.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(() => {
        corked = false;
        sock.uncork();
      });
    }
    return write(...args);
  }) as Socket['write'];
}

