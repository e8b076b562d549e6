/**
 * A task's consecutive plain commands (mkdir then chmod, daemon-reload then enable then start) as
 * one script, so that applying them costs one round trip to the host instead of one each. The
 * script stops at the first command that fails, as applying them one by one does, and says on
 * stderr which one it was: the task's error still names that command, with its own exit code.
 */
import type { Op } from '../../modules/api.ts';
import type { ExecResult } from '../transport/transport.ts';
import { quoteArgv } from '../transport/quote.ts';

export type ExecOp = Extract<Op, { kind: 'exec' }>;

/** Ops applied as they are, and runs of two or more plain commands applied as one script. */
export type ApplyStep = { single: Op } | { batch: ExecOp[] };

const MARK = 'kplay-op-failed:';
const START = 'kplay-op-start:';

/**
 * Plain: runs with the task's environment and user, no stdin, no working directory, no timeout
 * of its own, and only exit 0 counts as success. A user's command (isolate) keeps its own
 * process session and output, so it never joins a batch.
 */
function plain(op: Op): op is ExecOp {
  if (op.kind !== 'exec') return false;
  if (op.stdin !== undefined || op.cwd || op.timeoutMs || op.isolate) return false;
  if (op.env && Object.keys(op.env).length > 0) return false;
  return op.okCodes === undefined || (op.okCodes !== 'any' && op.okCodes.length === 1 && op.okCodes[0] === 0);
}

export function applySteps(ops: readonly Op[]): ApplyStep[] {
  const steps: ApplyStep[] = [];
  let run: ExecOp[] = [];
  const flush = () => {
    if (run.length === 1) steps.push({ single: run[0]! });
    else if (run.length > 1) steps.push({ batch: run });
    run = [];
  };
  for (const op of ops) {
    if (plain(op)) {
      run.push(op);
      continue;
    }
    flush();
    steps.push({ single: op });
  }
  flush();
  return steps;
}

/** Builtins that change the shell they run in: such a command gets a subshell of its own. */
const SHELL_STATE = new Set(['cd', 'umask', 'export', 'unset', 'set', 'exec', 'exit', 'eval', '.', 'source', 'trap', 'shift', 'readonly', 'alias', 'ulimit']);

/**
 * Each command as applying it alone would run it: a script in a subshell of its own (it may
 * `exit`), an argv as a simple command. Each but the first is announced on stderr, so that a
 * failure's stderr is that command's own, not its predecessors' warnings; the first failure prints
 * its index and ends the script with that command's exit code.
 */
export function batchScript(ops: readonly ExecOp[]): string {
  return ops
    .map((op, i) => {
      const own = typeof op.cmd === 'string' || SHELL_STATE.has(op.cmd[0] ?? '');
      const cmd = typeof op.cmd === 'string' ? `(\n${op.cmd}\n)` : own ? `( ${quoteArgv(op.cmd)} )` : quoteArgv(op.cmd);
      const announce = i > 0 ? `printf '\\n%s%d\\n' '${START}' ${i} >&2\n` : '';
      return `${announce}${cmd} || { kplay_rc=$?; printf '\\n%s%d\\n' '${MARK}' ${i} >&2; exit "$kplay_rc"; }`;
    })
    .join('\n');
}

/** Which command of the batch failed (undefined when the script never got to say), and its own stderr. */
export function batchFailure(r: ExecResult, count: number): { index: number | undefined; result: ExecResult } {
  const at = r.stderr.lastIndexOf(`\n${MARK}`);
  if (at < 0) return { index: undefined, result: r };
  const index = Number.parseInt(r.stderr.slice(at + 1 + MARK.length), 10);
  if (!Number.isInteger(index) || index < 0 || index >= count) return { index: undefined, result: { ...r, stderr: r.stderr.slice(0, at) } };
  const announced = index > 0 ? r.stderr.lastIndexOf(`\n${START}${index}\n`, at) : -1;
  const from = announced < 0 ? 0 : announced + `\n${START}${index}\n`.length;
  return { index, result: { ...r, stderr: r.stderr.slice(from, at) } };
}
