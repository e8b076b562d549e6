/**
 * One long-lived `/bin/sh` per host (and become user) that runs kplay's own scripts one after the
 * other, read from its stdin. A new SSH session channel costs the host a fork and exec in sshd
 * plus a fresh shell: ~4 ms of host CPU each, measured on the lab hosts (28 channels a host for a
 * no-op run of the benchmark workload = 1.2 s of the ten hosts' CPU); a command in the resident
 * shell costs one fork.
 *
 * Each command runs in a subshell with stdin from /dev/null, so it can neither read the commands
 * that follow nor change the shell's state (cd, variables, exit). Its stdout and stderr end with
 * markers that carry a random nonce (marker-scan.ts). User-written commands (command, shell) do not
 * come here: they keep a channel of their own, where background processes and signals to their
 * process group behave as with plain ssh.
 */
import { randomBytes } from 'node:crypto';
import { quote } from './quote.ts';
import { MarkerScan } from './marker-scan.ts';
import { killedByRemoteTimeout } from './remote-timeout.ts';

/** The shell's process as the transport sees it: an SSH channel, or a local child in tests. */
export interface ShellPipes {
  write(data: string): void;
  onStdout(cb: (b: Buffer) => void): void;
  onStderr(cb: (b: Buffer) => void): void;
  onClose(cb: () => void): void;
  /** End the shell now (a command outlived its timeout). */
  kill(): void;
}

export interface ShellCommand {
  /** A POSIX sh script (env, cwd and the host-side timeout already applied by the caller). */
  script: string;
  timeoutMs?: number;
  maxOutput: number;
}

export interface ShellOutcome {
  rc: number | null;
  stdout: Buffer;
  stderr: Buffer;
  truncated?: boolean;
  timedOut?: boolean;
  /** The shell went away before the command finished (its outcome is unknown). */
  ended?: boolean;
}

interface Running {
  out: MarkerScan;
  err: MarkerScan;
  finish: (o: { timedOut?: boolean; ended?: boolean }) => void;
}

export class ResidentShell {
  private current: Running | undefined;
  private closed = false;

  private constructor(private readonly pipes: ShellPipes) {
    pipes.onStdout((b) => this.current && this.current.out.push(b) && this.settle());
    pipes.onStderr((b) => this.current && this.current.err.push(b) && this.settle());
    pipes.onClose(() => {
      this.closed = true;
      this.current?.finish({ ended: true });
    });
  }

  /**
   * Start a shell on `pipes` and wait until it answers. `stdinPrefix` is written first (the sudo
   * password line, see become.ts). Undefined when the shell does not come up (sudo refuses,
   * requiretty, no /bin/sh): the caller then uses a channel per command, as before.
   */
  static async start(pipes: ShellPipes, opts: { stdinPrefix?: string; timeoutMs: number }): Promise<ResidentShell | undefined> {
    const shell = new ResidentShell(pipes);
    if (opts.stdinPrefix) pipes.write(opts.stdinPrefix);
    const hello = await shell.run({ script: ':', timeoutMs: opts.timeoutMs, maxOutput: 0 });
    if (hello.rc === 0) return shell;
    shell.close();
    return undefined;
  }

  /** Ready for a command now (not running one, not gone). */
  get idle(): boolean {
    return !this.closed && !this.current;
  }

  get alive(): boolean {
    return !this.closed;
  }

  run(cmd: ShellCommand): Promise<ShellOutcome> {
    if (!this.idle) return Promise.reject(new Error(this.closed ? 'the resident shell has ended' : 'the resident shell is busy'));
    const nonce = `KPLAY-${randomBytes(12).toString('hex')}`;
    return new Promise<ShellOutcome>((resolve) => {
      const started = performance.now();
      const out = new MarkerScan(nonce, true, cmd.maxOutput);
      const err = new MarkerScan(nonce, false, cmd.maxOutput);
      const timer = cmd.timeoutMs !== undefined ? setTimeout(() => running.finish({ timedOut: true }), cmd.timeoutMs) : undefined;
      const running: Running = {
        out,
        err,
        finish: ({ timedOut, ended }) => {
          if (this.current !== running) return;
          this.current = undefined;
          if (timer) clearTimeout(timer);
          // A command still running after its timeout holds this shell: the shell goes with it.
          if (timedOut) this.close();
          const timed = timedOut || killedByRemoteTimeout(out.rc, undefined, performance.now() - started, cmd.timeoutMs);
          resolve({
            rc: timed || ended ? null : (out.rc ?? null),
            stdout: out.output(),
            stderr: err.output(),
            ...(out.truncated || err.truncated ? { truncated: true } : {}),
            ...(timed ? { timedOut: true } : {}),
            ...(ended && !timed ? { ended: true } : {}),
          });
        },
      };
      this.current = running;
      this.pipes.write(`( eval ${quote(cmd.script)} ) </dev/null; printf '\\n%s:%s\\n' ${nonce} "$?"; printf '\\n%s\\n' ${nonce} >&2\n`);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.current?.finish({ ended: true });
    this.pipes.kill();
  }

  private settle(): void {
    const c = this.current;
    if (c && c.out.done && c.err.done) c.finish({});
  }
}
