/**
 * One module on one host: read → plan → (unless check mode) apply → result.
 * Check mode is structural: applyOps is simply not reached.
 */
import type { ActionContext, AnyModule, Change, ReadContext, OpResult, Vars } from '../../modules/api.ts';
import type { Transport } from '../transport/transport.ts';
import { applyOps, OpError } from './apply.ts';
import { HostLedger } from './ledger.ts';
import type { ReportedChange } from '../report/events.ts';

export interface ModuleOutcome {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg?: string;
  changes: ReportedChange[];
  /** Registered fields (stdout, rc, ansible_facts …). */
  result: Vars;
}

export interface RunModuleInput {
  module: AnyModule;
  args: Vars;
  ctx: ReadContext;
  transport: Transport;
  ledger: HostLedger;
  /** Run-wide record of planned controller files (shared by all hosts). */
  controllerLedger?: HostLedger;
  taskName: string;
  /** Task-level check mode (play --check unless the task says check_mode: false). */
  check: boolean;
  env?: Record<string, string>;
}

function report(c: Change): ReportedChange {
  return {
    summary: c.summary,
    ...(c.diff && !c.sensitive ? { diff: c.diff } : {}),
    ...(c.sensitive ? { sensitive: true } : {}),
    ...(c.after ? { after: c.after } : {}),
  };
}

export async function runModule(input: RunModuleInput): Promise<ModuleOutcome> {
  const { module, args, ctx, check } = input;
  const mode = typeof module.checkMode === 'function' ? module.checkMode(args) : (module.checkMode ?? 'plan');
  if (check && mode === 'skip') {
    return { changed: false, failed: false, skipped: true, msg: 'skipped in check mode (the command\'s effect cannot be predicted)', changes: [], result: {} };
  }
  const state = await module.read(ctx, args);
  const plan = module.plan(state, args, { host: ctx.host, check, diff: ctx.diff });
  const changes = plan.changes.map(report);
  const base = { changes, result: plan.result ?? {} };
  if (plan.failed !== undefined) return { ...base, changed: false, failed: true, skipped: false, msg: plan.failed };
  if (plan.skipped !== undefined) return { ...base, changed: false, failed: false, skipped: true, msg: plan.skipped };

  for (const c of plan.changes) {
    for (const e of [...c.ops.flatMap(HostLedger.effectsOf), ...(c.effects ?? [])]) {
      (e.kind === 'path' && e.on === 'controller' ? (input.controllerLedger ?? input.ledger) : input.ledger).record(e, input.taskName);
    }
  }
  if (check) return { ...base, changed: plan.changes.length > 0, failed: false, skipped: false };

  let applied: OpResult[] = [];
  try {
    applied = await applyOps(
      input.transport,
      plan.changes.flatMap((c) => c.ops),
      { become: ctx.become, env: input.env, batch: !module.result, actionContext: actionContext(ctx) },
    );
  } catch (e) {
    if (!(e instanceof OpError)) throw e;
    const extra = module.result && e.result ? safeResult(module, [...applied, e.result], state, args) : {};
    return { ...base, result: { ...base.result, ...extra }, changed: false, failed: true, skipped: false, msg: e.message };
  }
  const extra = module.result ? safeResult(module, applied, state, args) : {};
  const { failed, msg, changed, ...fields } = extra as Vars & { failed?: boolean; msg?: string; changed?: boolean };
  return {
    changes,
    result: { ...base.result, ...fields },
    changed: typeof changed === 'boolean' ? changed : plan.changes.length > 0,
    failed: failed === true,
    skipped: false,
    ...(msg !== undefined ? { msg } : {}),
  };
}

/** The part of the module context a controller action may use (no host shell, no ledgers). */
function actionContext(ctx: ReadContext): ActionContext {
  return { host: ctx.host, controller: ctx.controller, progress: ctx.progress, once: ctx.once, signal: ctx.signal, fetch: ctx.fetch, connectTcp: ctx.connectTcp };
}

function safeResult(module: AnyModule, applied: OpResult[], state: unknown, args: Vars): Vars {
  return module.result ? module.result(applied, state, args) : {};
}
