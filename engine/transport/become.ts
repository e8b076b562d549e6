/**
 * Wraps a script for privilege escalation. A password never appears in argv, in the environment
 * of the become'd command, or in output.
 *
 * sudo with a password: the wrapper's own shell reads the first stdin line (the password) with the
 * `read` builtin, which consumes exactly one line, so the caller's stdin that follows reaches the
 * command untouched. sudo then gets the password through its askpass hook: `printenv` is the askpass
 * program and the prompt (its argv[1]) is the variable's name, so no helper file is written.
 * A sudo that does not need the password (NOPASSWD, cached credentials) never runs askpass, and the
 * password line is still consumed by `read`: the caller's stdin is never swallowed or polluted.
 * sudo's env_reset keeps the variable out of the command's environment.
 *
 * su with a password needs a terminal: that case is flagged `ptyPassword` and the SSH transport
 * answers the prompt on a pty (and then feeds the command's stdin from a file, see stdinFile).
 */
import type { BecomeSpec } from './transport.ts';
import { quote } from './quote.ts';

export interface WrappedCommand {
  command: string;
  /** Bytes to write to stdin before the caller's own stdin (the become password line). */
  stdinPrefix?: string;
  /** su with a password: run on a pty and answer the password prompt with this. */
  ptyPassword?: string;
}

/** The variable that carries the sudo password from `read` to askpass; never exported further. */
export const BECOME_PASS_VAR = 'KPLAY_BECOME_PASS';

/** What sudo and su say when they refuse the password (sudo via askpass: 3 tries; su on the pty). */
export const BECOME_PASSWORD_REFUSED = /sudo: \d+ incorrect password attempts?|^Sorry, try again\.|^su: Authentication failure/m;

/** The first line a command refused for its become password gets, and the task's message. */
export function becomePasswordRefused(host: string, become: BecomeSpec): string {
  return `${host}: ${become.method} refused the become password (to become ${become.user || 'root'}): the become password is wrong (-K, ansible_become_password)`;
}

/** sudo's message when the sudoers policy has `requiretty` and we ran without a pty. */
export const SUDO_REQUIRETTY = /sudo: sorry, you must have a tty to run sudo|sudo: a terminal is required/;

/**
 * `stdinFile`: on a pty (su with a password, sudo with requiretty) the command's stdin must not be
 * the terminal (a terminal has no end of file and mangles bytes), so the login shell opens this
 * file for it: directly for sudo (which closes other descriptors), through fd 3 for su (whose own
 * stdin must stay the terminal that answers the password prompt).
 */
export function becomeWrap(script: string, become: BecomeSpec | undefined, cwd?: string, stdinFile?: string): WrappedCommand {
  const body = cwd ? `cd ${quote(cwd)} || exit 1; ${script}` : script;
  const redirect = stdinFile !== undefined ? ` < ${quote(stdinFile)}` : '';
  if (!become) return { command: stdinFile !== undefined ? `{ ${body}\n}${redirect}` : body };
  const user = become.user || 'root';
  if (become.method === 'su') {
    const suBody = stdinFile !== undefined ? `exec 0<&3 3<&-; ${body}` : body;
    const command = `su ${quote(user)} -s /bin/sh -c ${quote(suBody)}${stdinFile !== undefined ? ` 3< ${quote(stdinFile)}` : ''}`;
    return become.password !== undefined ? { command, ptyPassword: become.password } : { command };
  }
  if (become.password !== undefined) {
    if (/[\r\n]/.test(become.password)) throw new Error('a become password cannot contain a line break');
    const command =
      `IFS= read -r ${BECOME_PASS_VAR} || exit 1; export ${BECOME_PASS_VAR}; ` +
      `SUDO_ASKPASS="$(command -v printenv)" exec sudo -A -p ${BECOME_PASS_VAR} -H -u ${quote(user)} /bin/sh -c ${quote(body)}${redirect}`;
    return { command, stdinPrefix: `${become.password}\n` };
  }
  return { command: `sudo -n -H -u ${quote(user)} /bin/sh -c ${quote(body)}${redirect}` };
}

/** Becoming the login user is a no-op: no sudo needed (root logging in as root, or become_user == login). */
export function effectiveBecome(b: BecomeSpec | undefined, loginUser: string): BecomeSpec | undefined {
  if (!b) return undefined;
  return (b.user || 'root') === loginUser ? undefined : b;
}

/** Ansible's become variables → BecomeSpec (undefined when become is off). */
export function becomeFromVars(vars: Record<string, unknown>): BecomeSpec | undefined {
  if (!truthy(vars['ansible_become'] ?? vars['become'])) return undefined;
  const method = String(vars['ansible_become_method'] ?? vars['become_method'] ?? 'sudo');
  if (method !== 'sudo' && method !== 'su') throw new Error(`become method ${method} is not supported (sudo, su)`);
  const user = String(vars['ansible_become_user'] ?? vars['become_user'] ?? 'root');
  const pw = vars['ansible_become_password'] ?? vars['ansible_become_pass'] ?? vars['become_password'];
  return { method, user, ...(pw !== undefined && pw !== null && pw !== '' ? { password: String(pw) } : {}) };
}

/** YAML/INI booleans as Ansible reads them ("yes", "true", "1", true). */
export function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return ['yes', 'true', '1', 'on', 'y'].includes(v.trim().toLowerCase());
  return false;
}
