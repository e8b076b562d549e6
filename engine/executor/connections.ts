/**
 * One transport per host for the whole run, created on first use and connected once. A host that
 * cannot be reached raises TransportError; the caller turns it into an UNREACHABLE result.
 */
import type { Vars } from '../playbook/model.ts';
import type { Transport } from '../transport/transport.ts';

export type TransportFactory = (host: string, vars: Vars) => Transport;

export class ConnectionPool {
  private readonly transports = new Map<string, Promise<Transport>>();

  constructor(private readonly factory: TransportFactory) {}

  get(host: string, vars: Vars): Promise<Transport> {
    let p = this.transports.get(host);
    if (!p) {
      p = (async () => {
        const t = this.factory(host, vars);
        await t.connect();
        return t;
      })();
      this.transports.set(host, p);
      // a failed connect is not cached: the next task may try again (once per task)
      p.catch(() => this.transports.delete(host));
    }
    return p;
  }

  async closeAll(): Promise<void> {
    const all = [...this.transports.values()];
    this.transports.clear();
    await Promise.allSettled(all.map(async (p) => (await p).close()));
  }
}
