/**
 * A host's transport for a run that the keeper executes itself (run-host.ts): the kept connection
 * from the pool, called in this process, no socket in between. It shares connections with the
 * runs that come through the socket (client.ts) under the same key.
 */
import type { Duplex } from 'node:stream';
import { SshTransport, type SshOptions } from '../ssh.ts';
import { TransportError, type BecomeSpec, type ExecOptions, type ExecResult, type PutOptions, type TcpCapable, type Transport } from '../transport.ts';
import type { ConnectionPool, PoolEntry } from './pool.ts';
import { toWire } from './wire.ts';

export class PooledTransport implements Transport, TcpCapable {
  readonly kind = 'ssh' as const;
  readonly host: string;

  private binding: Promise<SshTransport> | undefined;
  private entry: PoolEntry | undefined;
  /** A connection of this run's own: a key whose passphrase only the user's terminal knows. */
  private own: SshTransport | undefined;
  private inFlight = 0;
  private closed = false;
  private abandoned = false;

  constructor(
    private readonly opts: SshOptions,
    private readonly persistMs: number,
    private readonly pool: ConnectionPool,
  ) {
    this.host = opts.host;
  }

  async connect(): Promise<void> {
    await this.bound();
  }

  exec(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.call((t) => t.exec(cmd, opts));
  }

  put(path: string, content: string | Buffer, opts?: PutOptions): Promise<void> {
    return this.call((t) => t.put(path, content, opts));
  }

  putFile(localPath: string, path: string, opts?: PutOptions): Promise<void> {
    return this.call((t) => t.putFile(localPath, path, opts));
  }

  fetch(path: string, opts?: { become?: BecomeSpec }): Promise<Buffer | undefined> {
    return this.call((t) => t.fetch(path, opts));
  }

  connectTcp(host: string, port: number): Promise<Duplex> {
    return this.call((t) => t.connectTcp(host, port));
  }

  async close(): Promise<void> {
    this.closed = true;
    const b = this.binding;
    this.binding = undefined;
    if (!b) return;
    await b.catch(() => undefined);
    if (this.own) await this.own.close();
    else if (this.entry) this.pool.release(this.entry, this.inFlight > 0);
    this.entry = undefined;
  }

  /**
   * The run's user went away (killed the kplay command): as if the run's process had died, its
   * commands still running end with their connection, and it sends no more.
   */
  abandon(): void {
    this.abandoned = true;
    if (this.inFlight === 0) return;
    if (this.own) void this.own.close();
    else if (this.entry) this.pool.drop(this.entry);
  }

  private bound(): Promise<SshTransport> {
    if (this.abandoned) return Promise.reject(new TransportError(this.host, `${this.host}: the kplay command of this run went away`));
    if (this.closed) return Promise.reject(new TransportError(this.host, `${this.host}: transport is closed`));
    this.binding ??= this.bind().catch((e: unknown) => {
      this.binding = undefined;
      throw e;
    });
    return this.binding;
  }

  private async bind(): Promise<SshTransport> {
    try {
      // without the prompt: a kept connection outlives the terminal of the run that made it
      const { passphrasePrompt: _prompt, ...shared } = this.opts;
      const b = await this.pool.bind(toWire(shared), this.persistMs);
      this.entry = b.entry;
      return b.entry.transport;
    } catch (e) {
      // a key that needs a passphrase typed on the user's terminal: a connection of this run alone
      if (!this.opts.passphrasePrompt || !/passphrase/i.test((e as Error).message)) throw e;
      this.own = new SshTransport(this.opts);
      await this.own.connect();
      return this.own;
    }
  }

  private async call<T>(f: (t: SshTransport) => Promise<T>): Promise<T> {
    const t = await this.bound();
    this.inFlight++;
    try {
      return await f(t);
    } finally {
      this.inFlight--;
    }
  }
}
