/**
 * The keeper's kept connections: one SshTransport per set of options (wire.ts connectionKey),
 * shared by the runs that ask for it, closed when nobody used it for its persist time. The socket
 * server (server.ts) binds its clients here.
 */
import { SshTransport } from '../ssh.ts';
import { RunScope } from '../../util/run-scope.ts';
import { connectionKey, fromWire, type WireOptions } from './wire.ts';

export interface PoolEntry {
  key: string;
  transport: SshTransport;
  /** Runs bound to this connection right now. */
  clients: number;
  lastUsed: number;
  persistMs: number;
}

export class ConnectionPool {
  private readonly entries = new Map<string, PoolEntry>();
  /** The keeper's own, for as long as it lives: a key its connections share is decrypted once. */
  private readonly scope = new RunScope();

  constructor(private readonly probeTimeoutMs = 3000) {}

  get size(): number {
    return this.entries.size;
  }

  /** The connection for these options, made now or kept from an earlier run, with one more client. */
  async bind(w: WireOptions, persistMs: number): Promise<{ entry: PoolEntry; reused: boolean }> {
    const key = connectionKey(w);
    let e = this.entries.get(key);
    if (e && !(await this.alive(e))) {
      this.drop(e);
      e = undefined;
    }
    const reused = !!e;
    if (!e) {
      // counted as used from the start: the sweep must not close a connection still being made
      e = { key, transport: new SshTransport({ ...fromWire(w), scope: this.scope }), clients: 1, lastUsed: Date.now(), persistMs };
      this.entries.set(key, e);
      try {
        await e.transport.connect();
      } catch (err) {
        this.drop(e);
        throw err;
      }
    } else {
      e.clients++;
    }
    e.persistMs = Math.max(e.persistMs, persistMs);
    return { entry: e, reused };
  }

  /**
   * A run is done with the connection. One that went away mid-command (interrupted, killed) takes
   * the connection with it, as a run that held the connection itself would: the host sees the
   * same end of the session.
   */
  release(e: PoolEntry, commandsInFlight: boolean): void {
    e.clients--;
    e.lastUsed = Date.now();
    if (commandsInFlight) this.drop(e);
  }

  /** Closes what nobody used for its persist time. */
  sweep(now = Date.now()): void {
    for (const e of this.entries.values()) {
      if (e.clients === 0 && now - e.lastUsed >= e.persistMs) this.drop(e);
    }
  }

  closeAll(): void {
    for (const e of this.entries.values()) this.drop(e);
  }

  drop(e: PoolEntry): void {
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    void e.transport.close();
  }

  /**
   * A kept connection may have died quietly (host rebooted, network gone): one `:` tells. Timed
   * here, not with the host's `timeout` (a fork and an exec there per host and run).
   */
  private async alive(e: PoolEntry): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.probeTimeoutMs)));
    const answer = e.transport.exec(':').then(
      (r) => r.rc === 0,
      () => false,
    );
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
