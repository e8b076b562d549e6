/**
 * One task on a set of hosts: when, loop, rendering, delegation, run_once, retries, changed_when /
 * failed_when, register, notify, and the result event. Host failures are data: nothing here throws
 * for a failing host, only for kplay's own bugs.
 */
import { dirname } from 'node:path';
import PQueue from 'p-queue';
import type { Task, Vars } from '../playbook/model.ts';
import { modules } from '../../modules/index.ts';
import { KplayError, formatError } from '../errors.ts';
import { renderValue } from '../template/render.ts';
import { markData, withData } from '../template/lazy-vars.ts';
import { evaluateCondition, UndefinedVariableError, type Condition } from '../template/expression.ts';
import { TransportError, type BecomeSpec } from '../transport/transport.ts';
import { LocalTransport } from '../transport/local.ts';
import { createModuleContext } from './module-context.ts';
import { prepareArgs } from './args.ts';
import { runModule, type ModuleOutcome } from './run-module.ts';
import { knownAfterApplyOutcome, unknownArgs } from './known-after-apply.ts';
import { hostState, OMIT, varsFor, type PlayContext, type Scope } from './play-context.ts';
import type { HostStatus } from '../report/events.ts';
import { countResult } from '../report/recap.ts';
import type { HostState } from './host-state.ts';
import { applyFacts, factSource, factsOf, finish, isTrue, register, statusOf, storeFacts, taskName, type HostTaskResult, type IterationOutcome } from './task-result.ts';

export async function runTask(pc: PlayContext, task: Task, hosts: string[], scope: Scope, opts: { handler?: boolean } = {}): Promise<HostTaskResult[]> {
  const name = taskName(task);
  let targets = hosts.filter((h) => hostState(pc, h).alive);
  if (targets.length === 0) return [];
  pc.emit({ type: 'task_start', name, module: task.module, loc: task.loc, handler: opts.handler ?? false, hosts: targets });
  if (task.module === 'meta') return runMeta(pc, task, targets, scope);

  if (task.run_once) targets = targets.slice(0, 1);
  const limit = throttleOf(pc, task, targets[0]!, scope);
  const throttle = limit > 0 ? new PQueue({ concurrency: limit }) : undefined;
  const runOne = (host: string) => pc.forks.add(() => runTaskOnHost(pc, task, host, scope)) as Promise<HostTaskResult>;
  const results = await Promise.all(targets.map((host) => (throttle ? (throttle.add(() => runOne(host)) as Promise<HostTaskResult>) : runOne(host))));
  pc.onceCaches.delete(taskKey(task));

  if (task.run_once && results[0]) {
    // Ansible applies a run_once result (register, set_fact, notify) to every host of the batch
    const first = results[0];
    for (const other of hosts.filter((h) => h !== first.host && hostState(pc, h).alive)) {
      const h = hostState(pc, other);
      if (task.register) h.setFacts({ [task.register]: first.result }, factSource(task));
      if (!task.delegate_facts) storeFacts(task, h, factsOf(first.result));
      if (first.status === 'changed') for (const n of task.notify) h.notified.add(n);
    }
  }
  if ((task.any_errors_fatal ?? pc.play.any_errors_fatal) && results.some((r) => r.status === 'failed' && !r.ignored)) {
    for (const h of pc.batch) hostState(pc, h).failed ||= hostState(pc, h).alive;
    pc.ended = true;
  }
  return results;
}

/** throttle may be a template (Kubespray: "{{ groups['etcd'] | length // 2 }}"), rendered with the first host's vars. */
function throttleOf(pc: PlayContext, task: Task, host: string, scope: Scope): number {
  const raw: unknown = task.throttle;
  if (raw === undefined) return 0;
  try {
    const n = Number(typeof raw === 'string' ? renderValue(raw, varsFor(pc, host, scope, task.role, task.vars), { loc: task.loc, task: taskName(task) }) : raw);
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
  } catch (e) {
    pc.emit({ type: 'warning', message: `throttle of '${taskName(task)}' ignored: ${e instanceof Error ? e.message : String(e)}`, loc: task.loc });
    return 0;
  }
}

/** retries / delay: a number, or a template rendered with the host's vars ("{{etcd_health_retries}}"). */
function countOf(raw: number | string, keyword: string, vars: Vars, renderCtx: { loc: Task['loc']; task: string }): number {
  const n = Number(typeof raw === 'string' ? renderValue(raw, vars, renderCtx) : raw);
  if (!Number.isFinite(n) || n < 0) throw new KplayError('KPLAY_TEMPLATE', `${keyword} must be a number of ${keyword === 'delay' ? 'seconds' : 'attempts'}, not ${JSON.stringify(raw)}`, { loc: renderCtx.loc });
  return n;
}

function taskKey(task: Task): string {
  return `${task.loc.file}:${task.loc.line}:${task.loc.col}`;
}

function runMeta(pc: PlayContext, task: Task, hosts: string[], scope: Scope): HostTaskResult[] {
  const action = String(task.args.action ?? task.args._raw ?? '');
  const out: HostTaskResult[] = [];
  for (const host of hosts) {
    const h = hostState(pc, host);
    const check = task.check_mode ?? pc.options.check;
    const cond = evalConditions(task.when, varsFor(pc, host, scope, task.role, task.vars), h, check);
    if (cond !== true) {
      countResult(h.stats, { status: 'skipped' });
      pc.emit({ type: 'host_result', host, task: taskName(task), module: 'meta', status: 'skipped', changes: [], durationMs: 0 });
      out.push({ host, status: 'skipped', ignored: false, result: { skipped: true } });
      continue;
    }
    if (action === 'end_host') h.ended = true;
    if (action === 'end_play') pc.ended = true;
    if (action === 'clear_host_errors') for (const other of pc.hosts.values()) if (!other.unreachable) other.failed = false;
    out.push({ host, status: 'ok', ignored: false, result: {} });
  }
  return out;
}

async function runTaskOnHost(pc: PlayContext, task: Task, host: string, scope: Scope): Promise<HostTaskResult> {
  const h = hostState(pc, host);
  const started = Date.now();
  const name = taskName(task);
  const noLog = task.no_log === true;
  const emitResult = (status: HostStatus, r: { msg?: string; outcome?: ModuleOutcome; result?: Vars; ignored?: boolean; item?: string; delegatedTo?: string }) => {
    pc.emit({
      type: 'host_result',
      host,
      task: name,
      module: task.module,
      status,
      ...(r.ignored ? { ignored: true } : {}),
      changes: r.outcome?.changes ?? [],
      ...(r.msg !== undefined ? { msg: r.msg } : {}),
      ...(r.item !== undefined ? { item: r.item } : {}),
      ...(r.delegatedTo ? { delegatedTo: r.delegatedTo } : {}),
      ...(r.result ? { result: r.result } : {}),
      // run-playbook's emit censors the event (report/redact.ts censor) before any reporter sees it
      ...(noLog ? { censored: true } : {}),
      durationMs: Date.now() - started,
    });
  };

  try {
    const vars = varsFor(pc, host, scope, task.role, task.vars);
    const check = task.check_mode ?? pc.options.check;
    // with a loop, Ansible evaluates `when` per item (it may name the loop variable)
    const cond = task.loop === undefined ? evalConditions(task.when, vars, h, check) : true;
    if (cond !== true) {
      const result = { changed: false, skipped: true, skip_reason: cond === false ? 'Conditional result was False' : cond };
      if (task.register) register(h, task.register, result, check, factSource(task));
      countResult(h.stats, { status: 'skipped' });
      emitResult('skipped', { result, ...(typeof cond === 'string' ? { msg: cond } : {}) });
      return { host, status: 'skipped', ignored: false, result };
    }

    if (task.loop === undefined) {
      const one = await runIteration(pc, task, host, vars, check);
      return finish(pc, task, h, one, check, emitResult);
    }

    const items = renderValue(task.loop, vars, { loc: task.loc, task: name });
    if (!Array.isArray(items)) throw new KplayError('KPLAY_TEMPLATE', `loop must be a list, got ${typeof items}`, { loc: task.loc });
    const results: Vars[] = [];
    let anyChanged = false;
    let anyFailed = false;
    const lc = task.loop_control;
    for (const [index, item] of items.entries()) {
      // recomputed per item: facts set by earlier items are visible (the set_fact accumulate idiom)
      // the item is data (rendered already, or host output): never rendered again as a template
      const itemVars: Vars = withData(index === 0 ? vars : varsFor(pc, host, scope, task.role, task.vars), { [lc.loop_var]: item, ...(lc.index_var ? { [lc.index_var]: index } : {}), ansible_loop_var: lc.loop_var });
      if (lc.extended) itemVars.ansible_loop = { index: index + 1, index0: index, first: index === 0, last: index === items.length - 1, length: items.length };
      const label = lc.label ? String(renderValue(lc.label, itemVars, { loc: task.loc, task: name })) : labelOf(item);
      const itemCond = evalConditions(task.when, itemVars, h, check);
      if (itemCond !== true) {
        results.push({ skipped: true, changed: false, [lc.loop_var]: item });
        emitResult('skipped', { item: label });
        continue;
      }
      const it = await runIteration(pc, task, host, itemVars, check);
      if (!it.failed) applyFacts(pc, task, h, it);
      const status = statusOf(it);
      anyChanged ||= it.changed;
      anyFailed ||= it.failed;
      results.push({ ...it.result, [lc.loop_var]: item, ansible_loop_var: lc.loop_var });
      emitResult(status, { outcome: it.outcome, item: label, ...(it.msg !== undefined ? { msg: it.msg } : {}), result: it.result, ...(it.delegatedTo ? { delegatedTo: it.delegatedTo } : {}) });
      if (lc.pause) await sleep(lc.pause * 1000);
    }
    const aggregate: IterationOutcome = {
      changed: anyChanged,
      failed: anyFailed,
      skipped: results.length > 0 && results.every((r) => r.skipped === true),
      result: { changed: anyChanged, failed: anyFailed, results, msg: anyFailed ? 'One or more items failed' : 'All items completed', skipped: false },
      ...(anyFailed ? { msg: 'One or more items failed' } : {}),
    };
    return finish(pc, task, h, aggregate, check, emitResult, true);
  } catch (e) {
    if (e instanceof TransportError) {
      h.unreachable = true;
      countResult(h.stats, { status: 'unreachable' });
      emitResult('unreachable', { msg: e.message });
      return { host, status: 'unreachable', ignored: false, result: { unreachable: true, msg: e.message } };
    }
    // a KplayError here is a per-host problem (undefined variable for this host, bad arg after templating)
    const msg = e instanceof KplayError ? formatError(e) : e instanceof Error ? e.message : String(e);
    const result = { failed: true, changed: false, msg };
    return finish(pc, task, h, { changed: false, failed: true, skipped: false, result, msg }, task.check_mode ?? pc.options.check, emitResult);
  }
}

/** true, false, or a string explaining why the answer is unknown (check mode, skipped register). */
function evalConditions(conds: Condition[], vars: Vars, h: HostState, check: boolean): true | false | string {
  for (const c of conds) {
    try {
      if (!evaluateCondition(c, vars)) return false;
    } catch (e) {
      // a condition on the result of a command that check mode skipped cannot be known: say so, don't fail
      if (check && e instanceof UndefinedVariableError && h.checkSkipped.has(e.root)) {
        return `unknown in check mode: '${e.root}' is the result of a task that check mode did not run`;
      }
      throw e;
    }
  }
  return true;
}

function labelOf(item: unknown): string {
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item);
  return JSON.stringify(item);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dropOmitted(args: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(args)) if (v !== OMIT) out[k] = v;
  return out;
}

function becomeFor(task: Task, vars: Vars, pc: PlayContext): BecomeSpec | undefined {
  const want = task.become ?? vars.ansible_become ?? pc.options.connection.become;
  if (!isTrue(want)) return undefined;
  const method = (task.become_method ?? vars.ansible_become_method ?? pc.options.connection.becomeMethod ?? 'sudo') as 'sudo' | 'su';
  const password = (vars.ansible_become_password ?? vars.ansible_become_pass ?? pc.options.connection.becomePassword) as string | undefined;
  return {
    method,
    // become_user may be a template ("{{etcd_owner}}"), rendered with the host's vars
    user: String(task.become_user !== undefined ? renderValue(task.become_user, vars, { loc: task.loc, task: taskName(task) }) : (vars.ansible_become_user ?? pc.options.connection.becomeUser ?? 'root')),
    ...(password !== undefined ? { password: String(password) } : {}),
  };
}

async function runIteration(pc: PlayContext, task: Task, host: string, vars: Vars, check: boolean): Promise<IterationOutcome> {
  const name = taskName(task);
  const module = modules[task.module];
  if (!module) throw new KplayError('KPLAY_UNKNOWN_MODULE', `unknown module ${task.module}`, { loc: task.loc });
  const renderCtx = { loc: task.loc, task: name };
  const rendered = dropOmitted(renderValue(task.args, vars, renderCtx) as Vars);
  const unknown = module.takesUnknownValues ? [] : unknownArgs(rendered);
  if (unknown.length > 0) {
    const o = knownAfterApplyOutcome(task.module, unknown, check);
    return { changed: o.changed, failed: o.failed, skipped: false, ...(o.msg ? { msg: o.msg } : {}), result: { changed: o.changed, failed: o.failed, ...(o.msg ? { msg: o.msg } : {}) }, outcome: o };
  }
  const { args, errors } = prepareArgs(module, rendered, task.loc, task.argLocs);
  if (errors.length > 0) {
    const msg = `invalid arguments after templating:\n${errors.map(formatError).join('\n')}`;
    return { changed: false, failed: true, skipped: false, msg, result: { failed: true, changed: false, msg } };
  }

  const delegate = task.delegate_to ? String(renderValue(task.delegate_to, vars, renderCtx)) : undefined;
  const target = delegate ?? host;
  const targetVars = delegate && delegate !== host ? { ...pc.inventory.hostVars(delegate), inventory_hostname: delegate } : vars;
  const transport = delegate === 'localhost' && !pc.inventory.hosts().includes('localhost')
    ? new LocalTransport('localhost')
    : await pc.connections.get(target, targetVars);
  const become = becomeFor(task, vars, pc);
  const env = task.environment ? stringMap(renderValue(task.environment, vars, renderCtx)) : undefined;
  const ledgerHost = hostState(pc, pc.hosts.has(target) ? target : host);

  let onceCache = pc.onceCaches.get(taskKey(task));
  if (!onceCache) pc.onceCaches.set(taskKey(task), (onceCache = new Map()));
  const cache = onceCache;
  const ctx = createModuleContext({
    host,
    transport,
    vars,
    check,
    diff: task.diff ?? pc.options.diff,
    ...(become ? { become } : {}),
    ledger: ledgerHost.ledger,
    controllerLedger: pc.controllerLedger,
    controller: { playbookDir: pc.playbookDir, inventoryDir: pc.options.inventoryDir, pkiDir: pc.options.pkiDir, cacheDir: pc.options.cacheDir },
    ...(task.role ? { rolePath: task.role.path } : {}),
    taskDir: dirname(task.loc.file),
    taskName: name,
    loc: task.loc,
    once: <T>(key: string, fn: () => Promise<T>): Promise<T> => {
      let p = cache.get(key) as Promise<T> | undefined;
      if (!p) cache.set(key, (p = fn()));
      return p;
    },
    progress: (message) => pc.emit({ type: 'progress', host, task: name, message }),
    ...(pc.options.signal ? { signal: pc.options.signal } : {}),
  });

  const attempts = task.until ? countOf(task.retries, 'retries', vars, renderCtx) + 1 : 1;
  const delay = task.until ? countOf(task.delay, 'delay', vars, renderCtx) : 0;
  let last: IterationOutcome | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const outcome = await runModule({ module, args, ctx, transport, ledger: ledgerHost.ledger, controllerLedger: pc.controllerLedger, taskName: name, check, ...(env ? { env } : {}) });
    last = applyOverrides(task, outcome, vars, name);
    if (delegate) last.delegatedTo = delegate;
    if (!task.until || last.skipped) break;
    const resultVars = withData(vars, task.register ? { [task.register]: last.result } : last.result);
    if (task.until.every((c) => evaluateCondition(c, resultVars))) break;
    if (attempt < attempts) {
      // a warning, not progress: retries must stay visible in logs (Ansible's "FAILED - RETRYING")
      pc.emit({ type: 'warning', message: `FAILED - RETRYING: [${host}]: ${name} (${attempts - attempt} retries left)` });
      await sleep(delay * 1000);
    } else {
      last = { ...last, failed: true, msg: `until condition not met after ${attempts} attempts${last.msg ? `: ${last.msg}` : ''}` };
      last.result = { ...last.result, failed: true, attempts, msg: last.msg };
    }
  }
  return last!;
}

function applyOverrides(task: Task, o: ModuleOutcome, vars: Vars, _name: string): IterationOutcome {
  let changed = o.changed;
  let failed = o.failed;
  const result: Vars = { ...o.result, changed, failed, ...(o.skipped ? { skipped: true } : {}), ...(o.msg !== undefined ? { msg: o.msg } : {}) };
  // what a module returns is host output: data, never a template (include_vars' variables excepted)
  if (task.module !== 'include_vars') markData(result);
  // a copy of all the host's vars: made only for a task that has conditions to evaluate
  let copy: Vars | undefined;
  const view = () => (copy ??= withData(vars, task.register ? { [task.register]: result } : result));
  if (task.changed_when && !o.skipped) {
    changed = task.changed_when.every((c) => evaluateCondition(c, view()));
    result.changed = changed;
  }
  if (task.failed_when && !o.skipped) {
    failed = task.failed_when.every((c) => evaluateCondition(c, withData(view(), { [task.register ?? '__r']: result })));
    result.failed = failed;
  }
  return {
    changed,
    failed,
    skipped: o.skipped,
    result,
    outcome: o,
    ...(o.msg !== undefined ? { msg: o.msg } : failed && !o.failed ? { msg: 'failed_when condition was met' } : {}),
  };
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, val] of Object.entries(v)) out[k] = String(val);
  return out;
}
