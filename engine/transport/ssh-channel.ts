/**
 * One command on one SSH session channel: open it (a refusal is the server's MaxSessions speaking),
 * feed stdin, collect stdout and stderr up to a limit, kill it at its timeout; a pty for become
 * that needs one (ssh-pty.ts answers su's prompt).
 */
import { Readable } from 'node:stream';
import type { Client, ClientChannel, ExecOptions as Ssh2ExecOptions } from 'ssh2';
import { Capture } from './capture.ts';
import type { ChannelPool } from './channel-pool.ts';
import { killedByRemoteTimeout } from './remote-timeout.ts';
import type { SshConnection } from './ssh-connection.ts';
import { SshConnectError } from './ssh-errors.ts';
import { SSH_DEFAULTS, type SshStats } from './ssh-options.ts';
import { answerSuPrompt } from './ssh-pty.ts';

export interface RawResult {
  rc: number | null;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  truncated?: boolean;
  timedOut?: boolean;
}

export interface ChannelRun {
  command: string;
  stdinPrefix?: string;
  stdin?: string | Buffer | Readable;
  timeoutMs?: number;
  maxOutput: number;
  pty: boolean;
  ptyPassword?: string;
}

/** The server refused a new session channel (MaxSessions reached): retried with a lower limit. */
export class ChannelRefused extends Error {
  constructor(
    message: string,
    /** Sessions this connection had open when the server refused one more. */
    readonly open: number,
  ) {
    super(message);
  }
}

export const CHANNEL_REFUSED = /open failed|open failure|administratively prohibited/i;

/** What a channel needs of its transport. */
export interface ChannelHost {
  conn: SshConnection;
  pool: ChannelPool;
  stats: SshStats;
}

export function channelExec(h: ChannelHost, client: Client, run: ChannelRun): Promise<RawResult> {
  return new Promise<RawResult>((resolve, reject) => {
    const execOpts: Ssh2ExecOptions = run.pty ? { pty: { term: 'dumb', modes: { ECHO: 0, ONLCR: 0, ISIG: 0, IXON: 0 } } } : {};
    const onOpen = (err: Error | undefined, ch: ClientChannel) => {
      if (err) {
        if (CHANNEL_REFUSED.test(err.message) && h.conn.isCurrent(client)) {
          // the slot this command took is not a session: the others are
          reject(new ChannelRefused(err.message, h.pool.active - 1));
        } else {
          reject(h.conn.isCurrent(client) ? new SshConnectError(h.conn.host, `${h.conn.host}: cannot open a channel: ${err.message}`, { cause: err }) : h.conn.lostError(err));
        }
        return;
      }
      h.stats.channels++;
      drive(h, client, ch, run).then(resolve, reject);
    };
    try {
      client.exec(run.command, execOpts, onOpen);
    } catch (e) {
      reject(h.conn.lostError(e));
    }
  });
}

function drive(h: ChannelHost, client: Client, ch: ClientChannel, run: ChannelRun): Promise<RawResult> {
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
      if (code === undefined && !timedOut && !h.conn.isCurrent(client)) {
        reject(h.conn.lostError(undefined));
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
      // su on a pty (ssh-pty.ts)
      flushUnanswered = answerSuPrompt(ch, out, run.ptyPassword, feedStdin);
    } else {
      ch.on('data', (b: Buffer) => out.push(b));
      feedStdin();
    }
  });
}
