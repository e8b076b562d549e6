/** The host-side half of a command timeout (the client-side timer stays the authority). */
import { quote } from './quote.ts';

/**
 * A command that outlives its timeout is killed on the host, with its whole process group:
 * closing the channel (or ssh's `signal` request, which reaches only the shell) leaves children
 * such as `sleep` running and holding the channel open. GNU timeout signals its process group.
 * The client-side timer stays the authority; this makes the host let go at the same time.
 */
export function remoteTimeout(script: string, timeoutMs: number): string {
  const secs = Math.max(0.001, timeoutMs / 1000).toFixed(3);
  return `exec timeout -s KILL ${secs} /bin/sh -c ${quote(script)}`;
}

/**
 * The host-side `timeout` may win the race against our timer: its SIGKILL shows as exit 137 or, when
 * it took itself down with its process group, as signal KILL, at about the time the timer was due.
 */
export function killedByRemoteTimeout(rc: number | null | undefined, signal: string | undefined, elapsedMs: number, timeoutMs: number | undefined): boolean {
  if (timeoutMs === undefined) return false;
  const killed = rc === 137 || ((rc === null || rc === undefined) && signal === 'SIGKILL');
  return killed && elapsedMs >= timeoutMs - 50;
}
