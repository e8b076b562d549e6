/**
 * The keeper executing `kplay run` for a CLI (run-client.ts): one process does both jobs, so
 * commands reach the kept connections without crossing a socket, and the CLI that waits for the
 * run is a small node process that only passes bytes. The run sees the CLI's working directory,
 * environment and umask, writes to the CLI's stdout and stderr (with its terminal's width and
 * colours), asks secrets on its terminal, and stops on its Ctrl-C.
 *
 * Working directory, environment and umask belong to the process: one run at a time. A CLI that
 * finds the keeper busy runs in its own process (bin/kplay.js), still through the kept connections.
 */
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { KplayError } from '../../errors.ts';
import type { SshOptions } from '../ssh.ts';
import type { Transport } from '../transport.ts';
import { encodeFrame, type Frame } from './frames.ts';
import type { ConnectionPool } from './pool.ts';
import { PooledTransport } from './pooled.ts';

/** What the CLI sends to have its run executed here. */
export interface RunRequest {
  id: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  umask: number;
  /** Which of the CLI's stdin, stdout and stderr are terminals; the terminal's width. */
  tty: { in: boolean; out: boolean; err: boolean };
  columns?: number;
}

/** The CLI's side of a run, as the keeper offers it to the run (engine/cli.ts Io). */
export interface HostedIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Asks on the CLI's terminal, not echoed; absent when its stdin is not a terminal. */
  askSecret?: (question: string) => Promise<string>;
  /** Registers what Ctrl-C in the CLI does; returns its removal. */
  onInterrupt: (fn: () => void) => () => void;
  /** A host's kept connection, from this keeper's pool. */
  keep: (opts: SshOptions, persistMs: number) => Transport;
}

export type CliRunner = (argv: string[], io: HostedIo) => Promise<number>;

/** The stderr of the run executing now, for what the keeper's process says as it dies. */
let activeErr: ((text: string) => Promise<void>) | undefined;

/**
 * Tells the CLI whose run is executing, if any, why the keeper is about to die (an uncaught
 * exception): the keeper's own stderr goes nowhere. Resolves once the words are on the socket.
 */
export function tellActiveRun(text: string): Promise<void> {
  return activeErr ? activeErr(text) : Promise.resolve();
}

export class RunHost {
  private busy = false;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly runner: CliRunner,
  ) {}

  /**
   * Answers the request (accepted or not) and executes the run; returns the handler of the CLI's
   * later frames (answers to questions, interrupts).
   */
  serve(sock: Socket, req: RunRequest): (f: Frame) => void {
    const send = (header: object, body?: Buffer) => (sock.destroyed ? true : sock.write(encodeFrame(header, body)));
    const saved = this.busy ? undefined : enter(req);
    if (!saved) {
      // the CLI runs it in its own process
      send({ id: req.id, accepted: false });
      sock.end();
      return () => {};
    }
    this.busy = true;
    send({ id: req.id, accepted: true });

    const interrupts = new Set<() => void>();
    const questions = new Map<number, { resolve: (a: string) => void; reject: (e: Error) => void }>();
    const held = new Set<PooledTransport>();
    let nextQuestion = 1;
    let gone = false;
    sock.on('close', () => {
      gone = true;
      for (const fn of interrupts) fn();
      for (const q of questions.values()) q.reject(new Error(CLI_GONE));
      questions.clear();
      for (const t of held) t.abandon();
    });

    const io: HostedIo = {
      out: frameStream(sock, 'out', req.tty.out, req.columns),
      err: frameStream(sock, 'err', req.tty.err, req.columns),
      ...(req.tty.in
        ? {
            askSecret: (question: string) =>
              new Promise<string>((resolve, reject) => {
                if (gone) return reject(new Error(CLI_GONE));
                const qid = nextQuestion++;
                questions.set(qid, { resolve, reject });
                send({ op: 'ask', qid, question });
              }),
          }
        : {}),
      onInterrupt: (fn) => {
        interrupts.add(fn);
        return () => interrupts.delete(fn);
      },
      keep: (opts, persistMs) => {
        const t = new PooledTransport(opts, persistMs, this.pool);
        held.add(t);
        return t;
      },
    };

    activeErr = (text) => new Promise<void>((resolve) => (gone || sock.destroyed ? resolve() : sock.write(encodeFrame({ op: 'err' }, Buffer.from(text)), () => resolve())));
    void this.runner(req.argv, io)
      .catch((e: unknown) => {
        io.err.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return 250;
      })
      .then(async (code) => {
        // the run closed its transports; one that threw on its way out may not have
        await Promise.allSettled([...held].map((t) => t.close()));
        restoreProcessState(saved);
        this.busy = false;
        activeErr = undefined;
        // after everything written before it
        io.out.write('', () => io.err.write('', () => {
          send({ op: 'exit', code });
          sock.end();
        }));
      });

    return (f) => {
      const h = f.header;
      if (h['op'] === 'interrupt') {
        for (const fn of interrupts) fn();
      } else if (h['op'] === 'answer') {
        const q = questions.get(Number(h['qid']));
        questions.delete(Number(h['qid']));
        // as asking in the run's own process would have failed: a bad option, exit 5
        if (typeof h['error'] === 'string') q?.reject(new KplayError('KPLAY_OPTIONS', h['error']));
        else q?.resolve(String(h['answer'] ?? ''));
      }
    };
  }
}

const CLI_GONE = 'the kplay command that asked went away';

/** One of the CLI's stdout and stderr: each write a frame, as fast as the CLI reads them. */
function frameStream(sock: Socket, op: 'out' | 'err', isTTY: boolean, columns: number | undefined): Writable & { isTTY: boolean; columns?: number } {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (sock.destroyed || sock.write(encodeFrame({ op }, chunk))) return cb();
      // the CLI reads slower than the run writes; or it went away, and nothing waits
      const go = () => {
        sock.off('drain', go);
        sock.off('close', go);
        cb();
      };
      sock.on('drain', go);
      sock.on('close', go);
    },
  });
  return Object.assign(stream, { isTTY }, columns ? { columns } : {});
}

interface ProcessState {
  cwd: string;
  env: Record<string, string | undefined>;
  umask: number;
}

/** Takes on the CLI's directory, environment and umask; undefined when its directory cannot be entered. */
function enter(req: RunRequest): ProcessState | undefined {
  const before: ProcessState = { cwd: cwdOr('/'), env: { ...process.env }, umask: process.umask() };
  try {
    process.chdir(req.cwd);
  } catch {
    return undefined;
  }
  replaceEnv(req.env);
  process.umask(req.umask);
  return before;
}

/** The working directory, which may have been removed under the process. */
function cwdOr(fallback: string): string {
  try {
    return process.cwd();
  } catch {
    return fallback;
  }
}

function restoreProcessState(s: ProcessState): void {
  try {
    process.chdir(s.cwd);
  } catch {
    process.chdir('/');
  }
  replaceEnv(s.env);
  process.umask(s.umask);
}

/** In place: process.env's keys are the C environment (os.homedir(), child processes), a new object is not. */
function replaceEnv(env: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined && process.env[k] !== v) process.env[k] = v;
}
