/** The controller itself (ansible_connection=local): child processes and the local file system. */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { chmod, lstat, readdir, readFile, rename, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { BecomeSpec, ExecOptions, ExecResult, PutOptions, TcpCapable, Transport } from './transport.ts';
import { quote, quoteArgv } from './quote.ts';
import { becomeWrap } from './become.ts';
import { envPrefix } from './env.ts';
import { isTempNameOf, runStartOf, staleTempScript } from './stale-temps.ts';

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;

export class LocalTransport implements Transport, TcpCapable {
  readonly kind = 'local' as const;
  /** `runStartedAt`: temp files of uploads last written before it are a killed run's (stale-temps.ts). */
  private readonly runStartedAt: number;

  constructor(
    readonly host: string,
    runStartedAt?: number,
  ) {
    this.runStartedAt = runStartOf(undefined, runStartedAt);
  }

  async connect(): Promise<void> {}

  exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const script = Array.isArray(cmd) ? quoteArgv(cmd) : cmd;
    const become = effectiveBecome(opts.become);
    // sudo resets the environment: under become, env travels inside the script.
    const wrapped = becomeWrap(become ? envPrefix(opts.env) + script : script, become, opts.cwd);
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', wrapped.command], {
        env: { ...process.env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const max = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let truncated = false;
      let timedOut = false;
      child.stdout.on('data', (b: Buffer) => {
        if (outLen < max) out.push(b);
        else truncated = true;
        outLen += b.length;
      });
      child.stderr.on('data', (b: Buffer) => {
        if (errLen < max) err.push(b);
        else truncated = true;
        errLen += b.length;
      });
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
      child.stdin.on('error', () => {});
      if (wrapped.stdinPrefix) child.stdin.write(wrapped.stdinPrefix);
      if (opts.stdin instanceof Readable) opts.stdin.pipe(child.stdin);
      else child.stdin.end(opts.stdin ?? '');
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({
          rc: timedOut ? null : code,
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          ...(truncated ? { truncated } : {}),
          ...(timedOut ? { timedOut } : {}),
        });
      });
    });
  }

  async put(path: string, content: string | Buffer, opts: PutOptions = {}): Promise<void> {
    if (effectiveBecome(opts.become)) return this.putViaShell(path, content, opts);
    await removeStaleTemps(path, this.runStartedAt);
    const tmp = join(dirname(path), `.${basename(path)}.kplay-${randomBytes(6).toString('hex')}.tmp`);
    try {
      // the temp file starts private; finish() gives it the wanted mode (or the replaced file's) before the rename
      await writeFile(tmp, content, { mode: 0o600 });
      await this.finish(tmp, path, { ...opts, mode: opts.mode ?? (await existingMode(path)) ?? '0644' });
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async putFile(localPath: string, path: string, opts: PutOptions = {}): Promise<void> {
    await removeStaleTemps(path, this.runStartedAt);
    const tmp = join(dirname(path), `.${basename(path)}.kplay-${randomBytes(6).toString('hex')}.tmp`);
    try {
      await copyFile(localPath, tmp);
      await this.finish(tmp, path, { ...opts, mode: opts.mode ?? (await existingMode(path)) ?? '0644' });
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async fetch(path: string, opts: { become?: BecomeSpec } = {}): Promise<Buffer | undefined> {
    if (effectiveBecome(opts.become)) {
      const r = await this.exec(`test -e ${quote(path)} || exit 3; cat ${quote(path)}`, { become: opts.become });
      return r.rc === 0 ? Buffer.from(r.stdout) : undefined;
    }
    try {
      return await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  connectTcp(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const sock = createConnection({ host, port }, () => resolve(sock));
      sock.once('error', reject);
    });
  }

  async close(): Promise<void> {}

  private async finish(tmp: string, path: string, opts: PutOptions): Promise<void> {
    if (opts.mode) await chmod(tmp, parseInt(opts.mode, 8));
    if (opts.owner || opts.group) {
      const r = await this.exec(['chown', `${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`, tmp]);
      if (r.rc !== 0) throw new Error(`chown ${path}: ${r.stderr.trim()}`);
    }
    await rename(tmp, path);
  }

  private async putViaShell(path: string, content: string | Buffer, opts: PutOptions): Promise<void> {
    const tmp = join(dirname(path), `.${basename(path)}.kplay-${randomBytes(6).toString('hex')}.tmp`);
    const script = [
      staleTempScript(path, this.runStartedAt),
      `umask 077; cat > ${quote(tmp)} || exit 1`,
      opts.mode ? `chmod ${quote(opts.mode)} ${quote(tmp)} || exit 1` : '',
      opts.owner || opts.group ? `chown ${quote(`${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`)} ${quote(tmp)} || exit 1` : '',
      `mv -f ${quote(tmp)} ${quote(path)}`,
    ].filter(Boolean).join('\n');
    const r = await this.exec(script, { stdin: content, become: opts.become });
    if (r.rc !== 0) {
      await this.exec(['rm', '-f', tmp], { become: opts.become });
      throw new Error(`write ${path}: ${r.stderr.trim()}`);
    }
  }
}

/** The mode of a file being replaced, so that a write without a mode keeps it (as over SSH). */
async function existingMode(path: string): Promise<string | undefined> {
  try {
    return ((await stat(path)).mode & 0o7777).toString(8).padStart(4, '0');
  } catch {
    return undefined;
  }
}

/** Becoming the user we already are is a no-op (root on the controller needs no sudo). */
function effectiveBecome(b: BecomeSpec | undefined): BecomeSpec | undefined {
  if (!b) return undefined;
  const me = process.getuid?.();
  return (me === 0 && b.user === 'root') ? undefined : b;
}

/**
 * Temp files of killed runs beside `path` (stale-temps.ts): kplay's names only, regular files
 * only, last written before this run started.
 */
async function removeStaleTemps(path: string, runStartedAt: number): Promise<void> {
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!isTempNameOf(name, base)) continue;
    const p = join(dirname(path), name);
    const st = await lstat(p).catch(() => undefined);
    if (st?.isFile() && st.mtimeMs < runStartedAt - 1000) await rm(p, { force: true }).catch(() => undefined);
  }
}
