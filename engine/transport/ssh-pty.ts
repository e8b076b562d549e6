/**
 * become on a pty (su with a password, sudo with requiretty): the command runs with its stdin staged
 * in a file, and su's password prompt is answered on the terminal and kept out of the output.
 */
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { BecomeSpec, ExecOptions, PutOptions } from './transport.ts';
import { becomeWrap } from './become.ts';
import type { Capture } from './capture.ts';
import { quote } from './quote.ts';
import type { ChannelRun, RawResult } from './ssh-channel.ts';
import type { PutSource } from './ssh-files.ts';

/** What the pty driver needs of the transport. */
export interface PtyDeps {
  host: string;
  /** A command as kplay's own (no stdin, no become). */
  exec(script: string, opts: ExecOptions): Promise<RawResult>;
  /** Writes a file on the host as the login user. */
  stage(path: string, src: PutSource, opts: PutOptions): Promise<void>;
  /** Runs on a session channel (retrying a refused one). */
  run(run: ChannelRun): Promise<RawResult>;
  /** The script with the command's environment and remote timeout. */
  scriptFor(script: string, opts: ExecOptions): string;
  timeoutOf(opts: ExecOptions): { timeoutMs?: number };
  maxOutput: number;
}

/**
 * become on a pty. Nothing but the password line is typed into the terminal: the command's
 * stdin is a file (the caller's stdin staged in a private directory of the login user, or
 * /dev/null), so it gets every byte and a real end of file.
 */
export async function execOnPty(d: PtyDeps, script: string, opts: ExecOptions, become: BecomeSpec): Promise<RawResult> {
  let dir: string | undefined;
  let stdinFile = '/dev/null';
  try {
    if (opts.stdin !== undefined && !(typeof opts.stdin !== 'object' && opts.stdin === '')) {
      dir = await privateTempDir(d);
      stdinFile = posix.join(dir, 'stdin');
      const src = opts.stdin instanceof Readable ? { stream: opts.stdin } : { data: Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin) };
      await d.stage(stdinFile, src, { mode: '0600' });
    }
    const wrapped = becomeWrap(d.scriptFor(script, opts), become, opts.cwd, stdinFile);
    return await d.run({
      command: wrapped.command,
      ...(wrapped.stdinPrefix !== undefined ? { stdinPrefix: wrapped.stdinPrefix } : {}),
      ...d.timeoutOf(opts),
      maxOutput: opts.maxOutput ?? d.maxOutput,
      pty: true,
      ...(wrapped.ptyPassword !== undefined ? { ptyPassword: wrapped.ptyPassword } : {}),
    });
  } finally {
    if (dir) await d.exec(`rm -rf ${quote(dir)}`, {}).catch(() => undefined);
  }
}

/** A 0700 directory of the login user for staging (mktemp -d under $TMPDIR or /tmp). */
async function privateTempDir(d: PtyDeps): Promise<string> {
  const mk = await d.exec('umask 077; mktemp -d "${TMPDIR:-/tmp}/.kplay-XXXXXXXX"', {});
  const dir = mk.stdout.toString('utf8').trim();
  if (mk.rc !== 0 || !dir) throw new Error(`${d.host}: mktemp -d failed: ${mk.stderr.toString('utf8').trim()}`);
  return dir;
}

/**
 * su's password prompt, in the languages a host's default locale is likely to use: pass, parol, mot
 * de passe, contrase(ña), 密码, パスワード, then `:` or a full-width `：`. Escaped: the bundle must stay
 * ASCII (scripts/build.mjs).
 */
const SU_PROMPT = /(pass|parol|mot de passe|contrase|\u5bc6\u7801|\u30d1\u30b9\u30ef\u30fc\u30c9)[^\n]*[:\uff1a]\s*$/i;

/**
 * su on a pty: waits for the prompt, answers it, and keeps the prompt out of the output. su may
 * not ask at all (root): then what came is output, flushed by the returned function when the
 * channel closes. feedStdin is called once the password is typed.
 */
export function answerSuPrompt(ch: ClientChannel, out: Capture, password: string, feedStdin: () => void): () => void {
  let answered = false;
  let afterPrompt = true;
  let preamble = Buffer.alloc(0);
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
      ch.write(`${password}\n`);
      feedStdin();
    } else if (preamble.length > 4096) {
      answered = true;
      out.push(preamble);
    }
  });
  return () => {
    if (!answered) out.push(preamble);
  };
}
