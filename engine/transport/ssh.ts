/**
 * SSH transport on ssh2: ONE connection per host for the whole run, shared by all tasks. Commands
 * are session channels on it (at most maxChannels at once, FIFO), files go over one SFTP session
 * (or `cat >` over exec when the server has no SFTP, or when become changes the user).
 *
 * The parts, each a file:
 *   ssh-connection.ts  TCP or a jump host's stream, handshake, host keys, authentication, reconnect
 *   ssh-commands.ts    command execution: resident shells, session channels, refused-channel retries
 *   ssh-channel.ts     one command on one channel (stdin, output limits, timeouts)
 *   ssh-pty.ts         become on a pty: su's password prompt, stdin staged in a file
 *   ssh-files.ts       file transfer: SFTP temp + rename, or `cat >` over exec
 *   ssh-options.ts     SshOptions and SSH_DEFAULTS
 * This file puts them together and decides what a session limit learnt from the server gives up.
 */
import { userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import type { BecomeSpec, ExecOptions, ExecResult, PutOptions, TcpCapable, Transport } from './transport.ts';
import { quoteArgv } from './quote.ts';
import { BECOME_PASSWORD_REFUSED, becomePasswordRefused, effectiveBecome } from './become.ts';
import { ChannelPool } from './channel-pool.ts';
import { SshConnection } from './ssh-connection.ts';
import { SshCommands } from './ssh-commands.ts';
import { SshFiles } from './ssh-files.ts';
import { SSH_DEFAULTS, type SshOptions, type SshStats } from './ssh-options.ts';
import type { RunStart } from './stale-temps.ts';

export { SSH_DEFAULTS, type SshOptions } from './ssh-options.ts';
export { tempPathFor } from './ssh-files.ts';
export { envPrefix } from './env.ts';
export { remoteTimeout } from './remote-timeout.ts';

export class SshTransport implements Transport, TcpCapable {
  readonly kind = 'ssh' as const;
  readonly host: string;
  readonly user: string;
  readonly port: number;
  /** Counters for tests and benchmarks. */
  readonly stats: SshStats = { connects: 0, reconnects: 0, channels: 0, connectMs: 0, shellCommands: 0, handshakeRetries: 0 };

  private readonly pool: ChannelPool;
  private readonly conn: SshConnection;
  private readonly commands: SshCommands;
  private readonly files: SshFiles;

  constructor(readonly opts: SshOptions) {
    this.host = opts.host;
    this.user = opts.user ?? userInfo().username;
    this.port = opts.port ?? SSH_DEFAULTS.port;
    this.pool = new ChannelPool(opts.maxChannels ?? SSH_DEFAULTS.maxChannels);
    this.conn = new SshConnection(opts, this.host, this.user, this.port, this.stats, {
      openJump: (o) => new SshTransport(o),
      onDrop: () => this.files.forget(),
    });
    this.commands = new SshCommands(this.conn, opts, this.pool, this.stats, {
      stage: (path, src, o) => this.files.putFrom(path, src, o),
      learnLimit: (open) => this.learnLimit(open),
    });
    this.files = new SshFiles(this.conn, opts, this.pool, (script, o) => this.commands.execRaw(script, o), (open) => this.learnLimit(open));
  }

  /** How files travel: over SFTP, or `cat` over exec when the server has no SFTP subsystem. */
  get fileChannel(): 'sftp' | 'exec' | 'unknown' {
    return this.files.fileChannel;
  }

  /** Channel limiter, exposed for tests (high-water mark). */
  get channels(): ChannelPool {
    return this.pool;
  }

  async connect(): Promise<void> {
    await this.conn.ready();
  }

  /**
   * After a failed connect the transport stays dead (every call fails fast). A caller that knows
   * the host comes back (reboot, wait_for_connection) calls reset() to allow a fresh attempt.
   */
  reset(): void {
    this.conn.reset();
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const script = Array.isArray(cmd) ? quoteArgv(cmd) : cmd;
    return this.commands.execRaw(script, opts).then((r) => {
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

  /** `runStartedAt`: the keeper's connection serves many runs, and each upload says whose it is (stale-temps.ts). */
  async put(path: string, content: string | Buffer, opts: PutOptions & RunStart = {}): Promise<void> {
    await this.files.putFrom(path, { data: Buffer.isBuffer(content) ? content : Buffer.from(content) }, opts);
  }

  async putFile(localPath: string, path: string, opts: PutOptions & RunStart = {}): Promise<void> {
    await this.files.putFrom(path, { localPath }, opts);
  }

  fetch(path: string, opts: { become?: BecomeSpec } = {}): Promise<Buffer | undefined> {
    return this.files.fetch(path, opts);
  }

  connectTcp(host: string, port: number): Promise<Duplex> {
    return this.conn.connectTcp(host, port);
  }

  /**
   * The server refused a session while `open` were open. Commands must keep at least one channel:
   * when the resident shells and the SFTP session take every session the server allows, they are
   * given up for this connection (shells first: commands then run over channels; then SFTP:
   * files then go through `cat >` over exec).
   */
  private learnLimit(open: number): void {
    if (open <= this.pool.heldCount && !this.commands.giveUpShells()) this.files.giveUpSftp();
    this.pool.shrink(open);
  }
}
