/**
 * ProxyJump: hosts behind the same jump host share ONE connection to it. Leases are counted; the
 * jump connection closes when the last host using it closes.
 */
import { SshTransport, type SshOptions } from './ssh.ts';

export interface JumpLease {
  transport: SshTransport;
  release(): void;
}

const jumps = new Map<string, { transport: SshTransport; refs: number }>();

function jumpKey(o: SshOptions): string {
  return `${o.user ?? ''}@${o.address}:${o.port ?? 22}|${o.privateKeyPath ?? ''}|${o.jump ? jumpKey(o.jump) : ''}`;
}

export function acquireJump(opts: SshOptions): JumpLease {
  const key = jumpKey(opts);
  let entry = jumps.get(key);
  if (!entry) {
    entry = { transport: new SshTransport(opts), refs: 0 };
    jumps.set(key, entry);
  }
  entry.refs++;
  const held = entry;
  let released = false;
  return {
    transport: held.transport,
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
