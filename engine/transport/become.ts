/**
 * Wraps a script for privilege escalation. The password never appears in argv: sudo reads it
 * from stdin (-S) with an empty prompt, su is not supported with a password without a pty.
 * STUB-LEVEL: the SSH helper owns this file and may extend it (su with a pty, requiretty).
 */
import type { BecomeSpec } from './transport.ts';
import { quote } from './quote.ts';

export interface WrappedCommand {
  command: string;
  /** Bytes to write to stdin before the caller's own stdin (the sudo password line). */
  stdinPrefix?: string;
}

export function becomeWrap(script: string, become: BecomeSpec | undefined, cwd?: string): WrappedCommand {
  const body = cwd ? `cd ${quote(cwd)} || exit 1; ${script}` : script;
  if (!become) return { command: body };
  if (become.method === 'su') {
    return { command: `su ${quote(become.user)} -s /bin/sh -c ${quote(body)}` };
  }
  if (become.password !== undefined) {
    return {
      command: `sudo -S -p '' -H -u ${quote(become.user)} /bin/sh -c ${quote(body)}`,
      stdinPrefix: `${become.password}\n`,
    };
  }
  return { command: `sudo -n -H -u ${quote(become.user)} /bin/sh -c ${quote(body)}` };
}
