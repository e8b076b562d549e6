/** Applies a module's planned ops on a host. Never called in check mode. */
import { OpError, type ActionContext, type ControllerOp, type Op, type OpResult } from '../../modules/api.ts';
import { controllerActions } from '../../modules/index.ts';
import type { BecomeSpec, Transport } from '../transport/transport.ts';
import { quote } from '../transport/quote.ts';
import { applySteps, batchFailure, batchScript, type ExecOp } from './exec-batch.ts';

export { OpError };

export interface ApplyOptions {
  become?: BecomeSpec;
  env?: Record<string, string>;
  /**
   * Consecutive plain commands go to the host as one script (exec-batch.ts). Only for modules
   * that do not read their commands' output: the batch has one output for all of them.
   */
  batch?: boolean;
  /** What controller actions run with (the run's controller paths and services). */
  actionContext?: ActionContext;
}

export async function applyOps(t: Transport, ops: Op[], opts: ApplyOptions = {}): Promise<OpResult[]> {
  const results: OpResult[] = [];
  if (!opts.batch) {
    for (const op of ops) results.push(await applyOp(t, op, opts));
    return results;
  }
  for (const step of applySteps(ops)) {
    if ('single' in step) results.push(await applyOp(t, step.single, opts));
    else results.push(...(await applyBatch(t, step.batch, opts)));
  }
  return results;
}

async function applyBatch(t: Transport, ops: ExecOp[], opts: ApplyOptions): Promise<OpResult[]> {
  const r = await t.exec(batchScript(ops), { become: opts.become, env: opts.env });
  if (r.rc === 0) return ops.map((op) => ({ op, exec: r }));
  const { index, result } = batchFailure(r, ops.length);
  // a batch that never said which command failed (killed, timed out) is charged to its first
  const op = ops[index ?? 0]!;
  throw new OpError(failureMessage(op, result), { op, exec: result });
}

function failureMessage(op: ExecOp, r: { rc: number | null; signal?: string; stderr: string; timedOut?: boolean }): string {
  const what = Array.isArray(op.cmd) ? op.cmd.join(' ') : op.cmd.split('\n')[0];
  const why = r.timedOut ? 'timed out' : `exit ${r.rc ?? r.signal}`;
  return `${what}: ${why}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`;
}

async function applyOp(t: Transport, op: Op, opts: ApplyOptions): Promise<OpResult> {
  switch (op.kind) {
    case 'exec': {
      const r = await t.exec(op.cmd, {
        become: opts.become,
        env: { ...opts.env, ...op.env },
        ...(op.stdin !== undefined ? { stdin: op.stdin } : {}),
        ...(op.cwd ? { cwd: op.cwd } : {}),
        ...(op.timeoutMs ? { timeoutMs: op.timeoutMs } : {}),
        ...(op.isolate ? { isolate: true } : {}),
      });
      const ok = op.okCodes === 'any' || (r.rc !== null && (op.okCodes ?? [0]).includes(r.rc));
      const result: OpResult = { op, exec: r };
      if (!ok) throw new OpError(failureMessage(op, r), result);
      return result;
    }
    case 'put': {
      if (op.backup) {
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        await t.exec(`if [ -e ${quote(op.path)} ]; then cp -p ${quote(op.path)} ${quote(`${op.path}.${stamp}~`)}; fi`, { become: opts.become });
      }
      if (op.validate) {
        // validate the content before it replaces anything: write to a temp path, run the check, then the real atomic put
        const tmp = `${op.path}.kplay-validate`;
        await t.put(tmp, op.content, { mode: '0600', become: opts.become });
        const cmd = op.validate.includes('%s') ? op.validate.split('%s').join(quote(tmp)) : `${op.validate} ${quote(tmp)}`;
        const r = await t.exec(cmd, { become: opts.become });
        await t.exec(['rm', '-f', tmp], { become: opts.become });
        if (r.rc !== 0) throw new OpError(`validate failed for ${op.path}: ${(r.stderr || r.stdout).trim()}`, { op, exec: r });
      }
      await t.put(op.path, op.content, { mode: op.mode, owner: op.owner, group: op.group, become: opts.become });
      return { op };
    }
    case 'putFile':
      await t.putFile(op.localPath, op.path, { mode: op.mode, owner: op.owner, group: op.group, become: opts.become });
      return { op };
    case 'remove': {
      const r = await t.exec(['rm', op.recursive ? '-rf' : '-f', '--', op.path], { become: opts.become });
      if (r.rc !== 0) throw new OpError(`remove ${op.path}: ${r.stderr.trim()}`, { op, exec: r });
      return { op };
    }
    case 'controller':
      return { op, output: await runAction(op, opts) };
  }
}

/** A controller op: its action from the registry, given the op's input; what it returns is the result. */
async function runAction(op: ControllerOp, opts: ApplyOptions): Promise<unknown> {
  const action = controllerActions.get(op.action);
  if (!action) throw new OpError(`${op.describe}: no controller action named ${op.action}`, { op });
  if (!opts.actionContext) throw new Error(`${op.describe}: controller action ${op.action} applied without an action context`);
  return action.run(op.input, opts.actionContext);
}
