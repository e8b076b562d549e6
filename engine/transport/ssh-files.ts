/**
 * File transfer on one SSH connection: one SFTP session (written to a temp file beside the target,
 * then renamed), or `cat >` over exec when the server has no SFTP subsystem, when the session
 * limit leaves no room for it, or when become changes the user. Temp files of killed runs beside a
 * destination are removed before each upload (stale-temps.ts).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SFTPWrapper } from 'ssh2';
import { TransportError, type BecomeSpec, type ExecOptions, type PutOptions } from './transport.ts';
import { quote } from './quote.ts';
import { effectiveBecome, SUDO_REQUIRETTY } from './become.ts';
import type { ChannelPool } from './channel-pool.ts';
import type { SshConnection } from './ssh-connection.ts';
import { CHANNEL_REFUSED, type RawResult } from './ssh-channel.ts';
import { SshConnectError } from './ssh-errors.ts';
import { SSH_DEFAULTS, type SshOptions } from './ssh-options.ts';
import { runStartOf, staleTempScript, type RunStart } from './stale-temps.ts';

export type PutSource = { data: Buffer } | { localPath: string } | { stream: Readable };

export class SshFiles {
  private sftpSession: Promise<SFTPWrapper | null> | undefined;
  private sftpMissing = false;
  /** The server allows too few sessions to keep the SFTP session beside a command's (MaxSessions 1-2). */
  private sftpOff = false;
  /** SFTP calls in flight: a given-up SFTP session is ended only when none is. */
  private sftpUsers = 0;

  constructor(
    private readonly conn: SshConnection,
    private readonly opts: SshOptions,
    private readonly pool: ChannelPool,
    /** A command (ssh-commands.ts). */
    private readonly exec: (script: string, opts: ExecOptions) => Promise<RawResult>,
    /** The server refused a session while `open` were open (ssh.ts). */
    private readonly learnLimit: (open: number) => void,
  ) {}

  /** How files travel: over SFTP, or `cat` over exec when the server has no SFTP subsystem. */
  get fileChannel(): 'sftp' | 'exec' | 'unknown' {
    return this.sftpMissing ? 'exec' : this.sftpSession ? 'sftp' : 'unknown';
  }

  /** The connection is gone: its SFTP session with it. */
  forget(): void {
    this.sftpSession = undefined;
  }

  /** Gives up the SFTP session for this connection (ended when no call uses it); false when there is none. */
  giveUpSftp(): boolean {
    if (this.sftpOff || !this.sftpSession) return false;
    this.sftpOff = true;
    if (this.sftpUsers === 0) this.endSftp();
    return true;
  }

  async fetch(path: string, opts: { become?: BecomeSpec } = {}): Promise<Buffer | undefined> {
    if (!effectiveBecome(opts.become, this.conn.user)) {
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
    const r = await this.exec(`if test -e ${quote(path)}; then exec cat -- ${quote(path)}; else exit 3; fi`, {
      ...(opts.become ? { become: opts.become } : {}),
      maxOutput: Number.MAX_SAFE_INTEGER,
    });
    if (r.rc === 3) return undefined;
    if (r.rc !== 0) throw new Error(`read ${path} on ${this.conn.host}: ${r.stderr.toString('utf8').trim() || `exit ${r.rc}`}`);
    return r.stdout;
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

  /**
   * The connection's SFTP session, opened on first use. It is a session like any channel, so it
   * holds a slot of the channel pool while open; when no slot is free now (or the server refuses
   * it), this one transfer goes over exec instead.
   */
  private async sftp(): Promise<SFTPWrapper | null> {
    if (this.sftpMissing || this.sftpOff) return null;
    const client = await this.conn.ready();
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
        const timer = setTimeout(() => reject(new SshConnectError(this.conn.host, `${this.conn.host}: SFTP did not start`)), this.opts.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs);
        try {
          client.sftp((err, sftp) => {
            clearTimeout(timer);
            if (err) {
              release();
              if (!this.conn.isCurrent(client)) return reject(this.conn.lostError(err));
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
          reject(this.conn.lostError(e));
        }
      });
      this.sftpSession = session;
      session.catch(() => {
        if (this.sftpSession === session) this.sftpSession = undefined;
      });
    }
    return this.sftpSession;
  }

  async putFrom(path: string, src: PutSource, opts: PutOptions & RunStart): Promise<void> {
    const become = effectiveBecome(opts.become, this.conn.user);
    if (!become) {
      const sftp = await this.sftp();
      if (sftp) return this.putSftp(sftp, path, src, opts);
    }
    return this.putShell(path, src, opts, become);
  }

  private async putSftp(sftp: SFTPWrapper, path: string, src: PutSource, opts: PutOptions & RunStart): Promise<void> {
    this.sftpUsers++;
    // temp files of killed runs beside this destination go, while the content travels (stale-temps.ts)
    const cleanup = this.exec(staleTempScript(path, this.runStart(opts)), {}).catch(() => undefined);
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
        const r = await this.exec(
          `chown ${quote(ownerSpec(opts))} ${quote(tmp)} && chmod ${quote(mode)} ${quote(tmp)} && mv -f ${quote(tmp)} ${quote(path)}`,
          {},
        );
        if (r.rc !== 0) throw new Error(`write ${path} on ${this.conn.host}: ${r.stderr.toString('utf8').trim()}`);
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
    const r = await this.exec(`mv -f ${quote(from)} ${quote(to)}`, {});
    if (r.rc !== 0) throw new Error(`rename ${to} on ${this.conn.host}: ${r.stderr.toString('utf8').trim()}`);
  }

  /**
   * `cat >` into a temp file beside the target, as the become user (content streamed on stdin, so it
   * is never readable by anyone else, and never parked somewhere world-readable), then chmod/chown
   * and an atomic mv. When become needs a pty, execRaw stages stdin in a private directory of the
   * login user whose shell opens it for the command.
   */
  private async putShell(path: string, src: PutSource, opts: PutOptions & RunStart, become: BecomeSpec | undefined): Promise<void> {
    const stdinOf = () => ('data' in src ? src.data : 'stream' in src ? src.stream : createReadStream(src.localPath));
    let r = await this.exec(installScript(path, opts, this.runStart(opts)), { stdin: stdinOf(), ...(become ? { become } : {}) });
    // requiretty found out on this very call with a file stream: open the file again, now on a pty.
    if (r.rc !== 0 && become && 'localPath' in src && SUDO_REQUIRETTY.test(r.stderr.toString('utf8'))) {
      r = await this.exec(installScript(path, opts, this.runStart(opts)), { stdin: stdinOf(), become });
    }
    if (r.rc !== 0) {
      const why = (r.stderr.toString('utf8').trim() || r.stdout.toString('utf8').trim() || `exit ${r.rc}`).replace(/\r/g, '');
      throw new Error(`write ${path} on ${this.conn.host}: ${why}`);
    }
  }

  /** The start of the run this upload belongs to: told with the upload (the keeper), else this connection's run. */
  private runStart(opts: RunStart): number {
    return runStartOf(opts, this.opts.scope?.startedAt);
  }

  private wrapSftpError(e: unknown, what: string): Error {
    if (!this.conn.isReady) return this.conn.lostError(e);
    return new Error(`${what} on ${this.conn.host}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Shell that writes the new content into a temp file beside `path` (umask 077, so nobody else can
 * read it meanwhile), applies mode and owner, and renames it into place. The content comes on stdin.
 */
function installScript(path: string, opts: PutOptions, runStartedAt: number): string {
  const tmp = tempPathFor(path);
  const t = quote(tmp);
  const p = quote(path);
  return [
    // temp files of killed runs beside this destination (stale-temps.ts)
    staleTempScript(path, runStartedAt),
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
