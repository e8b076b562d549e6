/** A task that runs a module (or `meta:`): its keywords, its arguments checked at load time, loop, register, conditions. */
import { KplayError, didYouMean, type SourceLoc } from '../errors.ts';
import type { Handler, Task, Vars } from '../playbook/model.ts';
import type { LoadContext, Scope } from './context.ts';
import { combine, commonFields, parseConditions, readOwnKeywords } from './inherit.ts';
import { checkKeywords } from './item-keys.ts';
import { HandlerKeywords, META_ACTIONS, TaskKeywords } from './keywords.ts';
import { checkLocalFiles } from './local-files.ts';
import { loopControlOf, loopOf } from './loop-keywords.ts';
import { isMapping, type Mapping } from './mapping.ts';
import { checkArgs, normaliseArgs } from './module-args.ts';
import { recordNotifyLocs } from './notify-check.ts';
import { checkTemplates } from './template-check.ts';
import { valueLoc } from './yaml-positions.ts';

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

export function loadTask(map: Mapping, loc: SourceLoc, action: string, actions: string[], canonical: string, scope: Scope, ctx: LoadContext): Task {
  const schema = scope.handlers ? HandlerKeywords : TaskKeywords;
  checkKeywords(map, schema, actions, scope.handlers ? 'for a handler' : 'for a task', ctx);
  const own = readOwnKeywords(map, ctx.diag);
  const eff = combine(scope.inherited, own);
  let args: Vars = {};
  let argLocs: Record<string, SourceLoc> = {};
  if (canonical === 'meta') {
    const v = map[action];
    const vloc = valueLoc(map, action);
    if (typeof v !== 'string' || !META_ACTIONS.includes(v)) {
      const guess = typeof v === 'string' ? didYouMean(v, META_ACTIONS) : undefined;
      ctx.diag.error(
        new KplayError('KPLAY_SCHEMA', `unknown meta action ${JSON.stringify(v)}${guess ? ` (did you mean '${guess}'?)` : ''}; one of: ${META_ACTIONS.join(', ')}`, { loc: vloc }),
      );
    }
    args = { action: v };
    if (vloc) argLocs = { action: vloc };
  } else {
    const def = ctx.modules[canonical]!;
    const norm = normaliseArgs(def, map, action, map['args']);
    ctx.diag.add(norm.errors);
    const argErrors = norm.errors.length > 0 ? [] : checkArgs(def, norm.args, norm.locate, true);
    ctx.diag.add(argErrors);
    if (argErrors.length === 0 && norm.errors.length === 0) checkLocalFiles(def, norm.args, norm.locate, scope, ctx);
    checkTemplates(map[action], valueLoc(map, action), ctx.diag);
    if (isMapping(map['args'])) checkTemplates(map['args'], valueLoc(map, 'args'), ctx.diag);
    args = norm.args;
    argLocs = norm.argLocs;
  }
  for (const k of ['name', 'vars', 'environment', 'delegate_to', 'become_user', 'loop_control', 'notify']) checkTemplates(map[k], valueLoc(map, k), ctx.diag);

  const until = parseConditions(map, 'until', ctx.diag);
  const task: Task = {
    kind: 'task',
    ...commonFields(loc, own.name, eff),
    module: canonical,
    args,
    argLocs,
    loop_control: loopControlOf(map),
    notify: stringList(map['notify']),
    // a template ("{{etcd_health_retries}}") is rendered per host when the task runs
    retries: typeof map['retries'] === 'number' || typeof map['retries'] === 'string' ? map['retries'] : map['until'] !== undefined ? 3 : 0,
    delay: typeof map['delay'] === 'number' || typeof map['delay'] === 'string' ? map['delay'] : 5,
  };
  if (map['notify'] !== undefined) recordNotifyLocs(task, map);
  const loop = loopOf(map, ctx);
  if (loop !== undefined) task.loop = loop;
  if (typeof map['register'] === 'string') task.register = map['register'];
  if (map['changed_when'] !== undefined) task.changed_when = parseConditions(map, 'changed_when', ctx.diag);
  if (map['failed_when'] !== undefined) task.failed_when = parseConditions(map, 'failed_when', ctx.diag);
  if (map['until'] !== undefined) task.until = until;
  if (scope.role) task.role = scope.role;
  if (scope.handlers) {
    const handler = task as Handler;
    handler.listen = stringList(map['listen']);
    if (own.name === undefined && handler.listen.length === 0) {
      ctx.diag.error(new KplayError('KPLAY_SCHEMA', "handler has no 'name' (handlers are notified by name or 'listen')", { loc }));
    }
  }
  return task;
}
