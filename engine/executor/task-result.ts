/**
 * What a task's outcome on one host does: the registered variable, facts (also a delegate's), the
 * host's failure, notified handlers, the recap counts and the result event.
 */
import type { Task, Vars } from '../playbook/model.ts';
import type { HostStatus } from '../report/events.ts';
import { countResult } from '../report/recap.ts';
import type { ModuleOutcome } from './run-module.ts';
import type { PlayContext } from './play-context.ts';
import { HostState as HostStateClass, type HostState } from './host-state.ts';

export interface HostTaskResult {
  host: string;
  status: HostStatus;
  ignored: boolean;
  result: Vars;
}

export function taskName(task: Task): string {
  if (task.name) return task.role && !task.name.includes(' : ') ? `${task.role.name} : ${task.name}` : task.name;
  return task.role ? `${task.role.name} : ${task.module}` : task.module;
}

export function isTrue(v: unknown): boolean {
  return v === true || v === 'true' || v === 'yes';
}

export interface IterationOutcome {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg?: string;
  result: Vars;
  outcome?: ModuleOutcome;
  delegatedTo?: string;
}

export function statusOf(o: { changed: boolean; failed: boolean; skipped: boolean }): HostStatus {
  return o.failed ? 'failed' : o.skipped ? 'skipped' : o.changed ? 'changed' : 'ok';
}

export function finish(
  pc: PlayContext,
  task: Task,
  h: HostState,
  o: IterationOutcome,
  check: boolean,
  emitResult: (s: HostStatus, r: { msg?: string; outcome?: ModuleOutcome; result?: Vars; ignored?: boolean }) => void,
  alreadyEmittedItems = false,
): HostTaskResult {
  const status = statusOf(o);
  if (task.register) register(h, task.register, o.result, check && o.skipped, factSource(task));
  // A no_log task's registered output is a secret variable: a later task that prints it is masked.
  // Its arguments are not: the task's own events are censored, and a literal like `owner: etcd`
  // must not blank out every later "etcd" in host and task names.
  if (task.no_log && task.register) pc.addSecret(secretOutput(o.result));
  if (!o.failed && !alreadyEmittedItems) applyFacts(pc, task, h, o);
  const ignored = o.failed && isTrue(task.ignore_errors);
  if (o.failed && !ignored) {
    h.failed = true;
    h.lastFailure = { task: { name: taskName(task), action: task.module, loc: `${task.loc.file}:${task.loc.line}` }, result: task.no_log ? { censored: true } : o.result };
  }
  if (status === 'changed') for (const n of task.notify) h.notified.add(n);
  countResult(h.stats, { status, ignored, changed: o.changed });
  if (!alreadyEmittedItems) emitResult(status, { ...(o.outcome ? { outcome: o.outcome } : {}), ...(o.msg !== undefined ? { msg: o.msg } : {}), result: o.result, ignored });
  return { host: h.name, status, ignored, result: o.result };
}

/**
 * Any module's `ansible_facts` become host facts, as in Ansible (set_fact, include_vars and setup are
 * the ones that return them): applied per item in a loop, so later items see them.
 */
export function applyFacts(pc: PlayContext, task: Task, h: HostState, o: IterationOutcome): void {
  const facts = factsOf(o.result);
  if (!facts) return;
  // delegate_facts: the facts belong to the delegate, not to the host the task ran for
  storeFacts(task, task.delegate_facts && o.delegatedTo ? factOwner(pc, o.delegatedTo) : h, facts);
  if (task.no_log) pc.addSecret(facts);
}

/** The facts a result carries; a loop's are those of its items, later items winning. */
export function factsOf(result: Vars): Vars | undefined {
  const own = result.ansible_facts;
  if (own && typeof own === 'object') return own as Vars;
  if (!Array.isArray(result.results)) return undefined;
  const items = (result.results as Vars[]).map((r) => r?.ansible_facts).filter((f): f is Vars => !!f && typeof f === 'object');
  return items.length ? Object.assign({}, ...items) : undefined;
}

/** setup's facts replace the gathered facts; every other module's sit at set_fact precedence. */
export function storeFacts(task: Task, owner: HostState, facts: Vars | undefined): void {
  if (!facts) return;
  if (task.module === 'setup') owner.gatheredFacts = facts;
  else owner.setFacts(facts, factSource(task));
}

/** The output fields of a result (also inside loop results), not its status fields. */
function secretOutput(result: Vars): unknown[] {
  const fields = ['cmd', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines', 'content', 'json'];
  const own = fields.map((f) => result[f]);
  const items = Array.isArray(result.results) ? (result.results as Vars[]).flatMap((r) => (r && typeof r === 'object' ? secretOutput(r) : [])) : [];
  return [...own, ...items];
}

function factOwner(pc: PlayContext, host: string): HostState {
  let h = pc.hosts.get(host);
  if (!h) pc.hosts.set(host, (h = new HostStateClass(host)));
  return h;
}

/** include_vars returns vars-file text (templates); every other module returns host output (data). */
export function factSource(task: Task): 'data' | 'vars-file' {
  return task.module === 'include_vars' ? 'vars-file' : 'data';
}

export function register(h: HostState, name: string, result: Vars, checkSkipped: boolean, source: 'data' | 'vars-file'): void {
  h.setFacts({ [name]: result }, source);
  if (checkSkipped) h.checkSkipped.add(name);
  else h.checkSkipped.delete(name);
}
