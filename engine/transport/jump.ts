/**
 * ProxyJump: hosts behind the same jump host share ONE connection to it. Leases are counted; the
 * jump connection closes when the last host using it closes.
 */
import type { Duplex } from 'node:stream';
import type { SshOptions } from './ssh-options.ts';

/** What a host behind a jump host needs of the jump connection. */
export interface JumpConnection {
  connectTcp(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
}

export interface JumpLease<T extends JumpConnection = JumpConnection> {
  transport: T;
  release(): void;
}

const jumps = new Map<string, { transport: JumpConnection; refs: number }>();

function jumpKey(o: SshOptions): string {
  return `${o.user ?? ''}@${o.address}:${o.port ?? 22}|${o.privateKeyPath ?? ''}|${o.jump ? jumpKey(o.jump) : ''}`;
}

/** `open` makes the jump connection (ssh.ts passes its SshTransport: jump.ts does not import it). */
export function acquireJump<T extends JumpConnection>(opts: SshOptions, open: (opts: SshOptions) => T): JumpLease<T> {
  const key = jumpKey(opts);
  let entry = jumps.get(key);
  if (!entry) {
    entry = { transport: open(opts), refs: 0 };
    jumps.set(key, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    // a key names one jump host, and every caller opens it with the same transport class
    transport: held.transport as T,
    release() {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs === 0) {
        if (jumps.get(key) === held) jumps.delete(key);
        void held.transport.close();
      }
    },
  };
}
