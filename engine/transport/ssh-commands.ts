/**
 * Command execution on one SSH connection: kplay's own scripts go to a resident shell per become
 * user (resident-shell.ts) when one is free, other commands to a session channel each
 * (ssh-channel.ts, at most maxChannels at once, FIFO); become that needs a pty goes through
 * ssh-pty.ts. A channel the server refuses is retried with backoff while the limit is learnt.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import type { BecomeSpec, ExecOptions, PutOptions } from './transport.ts';
import { quote } from './quote.ts';
import { becomeWrap, effectiveBecome, SUDO_REQUIRETTY } from './become.ts';
import type { ChannelPool } from './channel-pool.ts';
import { ResidentShell, type ShellPipes } from './resident-shell.ts';
import { envPrefix } from './env.ts';
import { remoteTimeout } from './remote-timeout.ts';
import { SshConnectError } from './ssh-errors.ts';
import type { SshConnection } from './ssh-connection.ts';
import { channelExec, ChannelRefused, type ChannelRun, type RawResult } from './ssh-channel.ts';
import { execOnPty, type PtyDeps } from './ssh-pty.ts';
import type { PutSource } from './ssh-files.ts';
import { SSH_DEFAULTS, type SshOptions, type SshStats } from './ssh-options.ts';

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

export interface CommandHooks {
  /** Writes a file as the login user (ssh-files.ts): stdin staged for a command on a pty. */
  stage(path: string, src: PutSource, opts: PutOptions): Promise<void>;
  /** The server refused a session while `open` were open (ssh.ts). */
  learnLimit(open: number): void;
}

export class SshCommands {
  private needsPty = false;
  /**
   * The server allows too few sessions to keep resident shells beside a command's channel
   * (MaxSessions 1-2): they are given up for this connection.
   */
  private shellsOff = false;
  /** Resident shells by become user ('' = the login user). */
  private readonly shells = new Map<string, ShellSlot>();
  private readonly pty: PtyDeps;

  constructor(
    readonly conn: SshConnection,
    private readonly opts: SshOptions,
    readonly pool: ChannelPool,
    readonly stats: SshStats,
    private readonly hooks: CommandHooks,
  ) {
    this.pty = {
      host: conn.host,
      exec: (script, o) => this.execRaw(script, o),
      stage: (path, src, o) => this.hooks.stage(path, src, o),
      run: (run) => this.runWithRetry(run),
      scriptFor: (script, o) => this.scriptFor(script, o),
      timeoutOf: (o) => this.timeoutOf(o),
      maxOutput: SSH_DEFAULTS.maxOutput,
    };
  }

  /**
   * Gives up the resident shells when any is alive or starting (idle ones close now, busy ones when
   * their command ends); false when there was nothing to give up.
   */
  giveUpShells(): boolean {
    if (this.shellsOff || ![...this.shells.values()].some((s) => s.shell?.alive || s.starting)) return false;
    this.shellsOff = true;
    for (const slot of this.shells.values()) if (slot.shell?.idle) slot.shell.close();
    return true;
  }

  async execRaw(script: string, opts: ExecOptions): Promise<RawResult> {
    const become = effectiveBecome(opts.become, this.conn.user);
    if (this.becomeNeedsPty(become)) return execOnPty(this.pty, script, opts, become!);
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
      if (!(opts.stdin instanceof Readable)) return execOnPty(this.pty, script, opts, become);
    }
    return r;
  }

  /** Undefined when no resident shell is free: the caller opens a channel. */
  private async execResident(script: string, opts: ExecOptions, become: BecomeSpec | undefined): Promise<RawResult | undefined> {
    const client = await this.conn.ready();
    const shell = await this.residentShell(client, become);
    if (!shell?.idle) return undefined;
    // the shell already is the become user: only the cd of becomeWrap applies
    const body = becomeWrap(this.scriptFor(script, opts), undefined, opts.cwd).command;
    const o = await shell.run({ script: body, ...this.timeoutOf(opts), maxOutput: opts.maxOutput ?? SSH_DEFAULTS.maxOutput });
    if (this.shellsOff) shell.close(); // given up while it ran (the server's MaxSessions is too low for it)
    if (o.ended && !this.conn.isCurrent(client)) throw this.conn.lostError(undefined);
    this.stats.shellCommands++;
    return {
      rc: o.rc,
      stdout: o.stdout,
      stderr: o.ended ? Buffer.concat([o.stderr, Buffer.from(`kplay: the shell on ${this.conn.host} ended while this command ran\n`)]) : o.stderr,
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

  scriptFor(script: string, opts: ExecOptions): string {
    const withEnv = envPrefix(opts.env) + script;
    const timeoutMs = this.timeoutOf(opts).timeoutMs;
    return timeoutMs ? remoteTimeout(withEnv, timeoutMs) : withEnv;
  }

  timeoutOf(opts: ExecOptions): { timeoutMs?: number } {
    const t = opts.timeoutMs ?? this.opts.commandTimeoutMs;
    return t !== undefined ? { timeoutMs: t } : {};
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
  async runWithRetry(run: ChannelRun): Promise<RawResult> {
    const deadline = performance.now() + SSH_DEFAULTS.channelRefusedMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.runChannel(run);
      } catch (e) {
        if (!(e instanceof ChannelRefused)) throw e;
        if (performance.now() >= deadline) {
          throw new SshConnectError(
            this.conn.host,
            `${this.conn.host}: sshd on ${this.conn.target()} refused every new session channel for ${SSH_DEFAULTS.channelRefusedMs / 1000} s ` +
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
    const client = await this.conn.ready();
    await this.pool.acquire();
    try {
      return await channelExec(this, client, run);
    } catch (e) {
      if (e instanceof ChannelRefused) this.hooks.learnLimit(e.open);
      throw e;
    } finally {
      this.pool.release();
    }
  }

}
