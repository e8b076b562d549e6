/**
 * `kplay run` as a small client of the keeper (run-host.ts), bundled alone as dist/client.cjs for
 * bin/kplay.js: it sends the command line, directory, environment and umask, copies the run's
 * output to stdout and stderr, asks the run's questions on this terminal, passes Ctrl-C, and exits
 * with the run's code. The playbooks run in the keeper, beside the connections it keeps; this
 * process loads none of the CLI. Undefined means "run it here": no keeper could be reached or
 * started, or it was busy with another run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { encodeFrame, FrameReader } from './frames.ts';
import { connectKeeper, keeperSocket } from './locate.ts';

export interface RunClientOptions {
  socketPath?: string | undefined;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Whether stdin, stdout and stderr are terminals (default: as they are). */
  tty?: { in: boolean; out: boolean; err: boolean };
  ask?: (question: string) => Promise<string>;
  /** Registers what Ctrl-C does (default: SIGINT, and a second one ends this process as it would have). */
  onInterrupt?: (fn: () => void) => () => void;
}

/** Options with which the run connects to no host: a keeper would cost a process and keep nothing. */
const HERE_FLAGS = new Set(['--help', '-h', '--syntax-check', '--list-hosts', '--list-tasks', '--list-tags']);

/**
 * Whether this command line goes to the keeper: not when persistence is turned off by the
 * environment or may be by a kplay.yml (which only the CLI reads), and not for what connects to
 * no host.
 */
export function runsInKeeper(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), stdinIsTty = process.stdin.isTTY === true): boolean {
  const persist = env['KPLAY_SSH_PERSIST'];
  if (persist !== undefined && persist !== '' && !(Number(persist) > 0)) return false;
  if (argv.some((a) => HERE_FLAGS.has(a))) return false;
  // -K from a pipe: the CLI reads the password from its own stdin, which the keeper cannot
  if (!stdinIsTty && argv.some((a) => a === '--ask-become-pass' || /^-[A-Za-z]*K[A-Za-z]*$/.test(a))) return false;
  // beside any YAML file named (the playbooks, and inventories too: in doubt, the CLI decides)
  const yamls = argv.filter((a) => !a.startsWith('-') && /\.ya?ml$/.test(a));
  const configs = [...yamls.map((y) => join(dirname(resolve(cwd, y)), 'kplay.yml')), join(cwd, 'kplay.yml')];
  return !configs.some((c) => existsSync(c) && /^\s*ssh_persist\s*:/m.test(readFileSync(c, 'utf8')));
}

export async function runInKeeper(argv: string[], o: RunClientOptions = {}): Promise<number | undefined> {
  const socketPath = 'socketPath' in o ? o.socketPath : keeperSocket();
  if (!socketPath) return undefined;
  const sock = await connectKeeper(socketPath);
  if (!sock) return undefined;
  const out = o.out ?? process.stdout;
  const err = o.err ?? process.stderr;
  // readline, loaded only when the run asks something
  const ask = o.ask ?? (async (q: string) => (await import('../../commands/prompt.ts')).promptSecret(q));
  const onInterrupt = o.onInterrupt ?? sigint;
  const tty = o.tty ?? { in: process.stdin.isTTY === true, out: process.stdout.isTTY === true, err: process.stderr.isTTY === true };
  const env = Object.fromEntries(Object.entries(o.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined));

  return new Promise<number | undefined>((finish) => {
    const reader = new FrameReader();
    let accepted = false;
    let code: number | undefined;
    let stopInterrupts = () => {};
    const send = (header: object) => {
      if (!sock.destroyed) sock.write(encodeFrame(header));
    };
    const copy = (to: NodeJS.WritableStream, bytes: Buffer) => {
      if (!to.write(bytes)) {
        sock.pause();
        to.once('drain', () => sock.resume());
      }
    };
    sock.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        const h = f.header;
        if (!accepted) {
          if (h['accepted'] !== true) return sock.destroy();
          accepted = true;
          stopInterrupts = onInterrupt(() => send({ op: 'interrupt' }));
          continue;
        }
        if (h['op'] === 'out') copy(out, f.body);
        else if (h['op'] === 'err') copy(err, f.body);
        else if (h['op'] === 'exit') code = Number(h['code']);
        else if (h['op'] === 'ask') {
          ask(String(h['question'])).then(
            (answer) => send({ op: 'answer', qid: h['qid'], answer }),
            (e: unknown) => send({ op: 'answer', qid: h['qid'], error: e instanceof Error ? e.message : String(e) }),
          );
        }
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      stopInterrupts();
      if (!accepted) return finish(undefined);
      if (code === undefined) {
        err.write('kplay: the connection keeper ended before the run did; what it had started on the hosts may be half done\n');
        code = 250;
      }
      // the run's last output is written before the process exits
      out.write('', () => finish(code));
    });
    sock.write(
      encodeFrame({
        op: 'run',
        id: 1,
        argv,
        cwd: o.cwd ?? process.cwd(),
        env,
        umask: process.umask(),
        tty,
        ...(tty.out && (out as { columns?: number }).columns ? { columns: (out as { columns?: number }).columns } : {}),
      }),
    );
  });
}

/** Ctrl-C asks the run to stop; a second one ends this process by the signal, as it did a run of its own. */
function sigint(fn: () => void): () => void {
  const first = () => {
    process.removeListener('SIGINT', first);
    fn();
  };
  process.on('SIGINT', first);
  return () => process.removeListener('SIGINT', first);
}
