/**
 * Task lists: tasks, blocks, handlers, import_tasks (expanded here), include_tasks and
 * include_role (kept as Include items for the executor), import_role (expanded via roles.ts).
 */
import { dirname, resolve } from 'node:path';
import { KplayError, didYouMean, type SourceLoc } from '../errors.ts';
import type { Block, Handler, Include, Item, LoopControl, Task, Vars } from '../playbook/model.ts';
import { canonicalModuleName } from '../../modules/index.ts';
import type { LoadContext, PlayBuild, Scope } from './context.ts';
import { BlockKeywords, HandlerKeywords, ImportKeywords, ImportRoleArgs, IncludeTasksArgs, LOADER_ACTIONS, META_ACTIONS, TaskKeywords } from './keywords.ts';
import { combine, commonFields, parseConditions, readOwnKeywords, type Inherited } from './inherit.ts';
import { checkArgs, normaliseArgs, unknownModuleError } from './module-args.ts';
import { validateWith } from './schema-errors.ts';
import { checkTemplates } from './template-check.ts';
import { copyPositions, itemLoc, keyLoc, locAtPath, nodeLoc, readYamlFile, valueLoc } from './yaml.ts';
import { findIn, isFile, staticPath } from './paths.ts';
import { checkLocalFiles } from './local-files.ts';
import { checkKeywordValues } from './keyword-values.ts';
import { recordNotifyLocs } from './notify-check.ts';
import { applyRole } from './roles.ts';

type Map_ = Record<string, unknown>;

/** What an include_tasks / include_role needs at run time: the keywords its children inherit. */
export interface IncludeInfo {
  inherited: Inherited;
  scope: Scope;
  /** include_role: the include's own vars, which are the role's parameters. */
  params: Vars;
  ctx: Pick<LoadContext, 'modules' | 'playbookDir' | 'rolesPath' | 'extraVars'>;
}
const includeInfo = new WeakMap<Include, IncludeInfo>();

export function includeInfoOf(inc: Include): IncludeInfo | undefined {
  return includeInfo.get(inc);
}

function isMapping(v: unknown): v is Map_ {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list of items under `container[key]` (tasks:, block:, rescue: …). */
export function loadItemList(container: Map_, key: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  const value = container[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `'${key}' must be a list of tasks`, { loc: valueLoc(container, key) }));
    return [];
  }
  return loadItems(value, scope, ctx, play);
}

export function loadItems(list: unknown[], scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  const out: Item[] = [];
  list.forEach((entry, i) => {
    const loc = itemLoc(list, i) ?? { file: scope.file, line: 1, col: 1 };
    if (!isMapping(entry)) {
      ctx.diag.error(new KplayError('KPLAY_SCHEMA', `a task must be a mapping, got ${entry === null ? 'null' : Array.isArray(entry) ? 'a list' : typeof entry}`, { loc }));
      return;
    }
    out.push(...loadItem(entry, nodeLoc(entry) ?? loc, scope, ctx, play));
  });
  return out;
}

/** A task file (import_tasks, role tasks/main.yml, include_tasks at run time). */
export function loadTaskFile(file: string, scope: Scope, ctx: LoadContext, play: PlayBuild, refLoc?: SourceLoc): Item[] {
  if (scope.importStack.includes(file)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `import cycle: ${[...scope.importStack, file].join(' → ')}`, { loc: refLoc }));
    return [];
  }
  if (!isFile(file)) {
    ctx.diag.error(new KplayError('KPLAY_FILE_NOT_FOUND', `task file not found: ${file}`, { loc: refLoc }));
    return [];
  }
  const parsed = readYamlFile(file);
  ctx.diag.add(parsed.errors);
  if (parsed.value === undefined || parsed.value === null) return [];
  if (!Array.isArray(parsed.value)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'a task file must be a list of tasks', { loc: nodeLoc(parsed.value) ?? { file, line: 1, col: 1 } }));
    return [];
  }
  const inner: Scope = { ...scope, file, baseDir: dirname(file), importStack: [...scope.importStack, file] };
  return loadItems(parsed.value, inner, ctx, play);
}

function isModule(key: string, ctx: LoadContext): boolean {
  return canonicalModuleName(key) in ctx.modules;
}

function isLoaderAction(key: string): boolean {
  return (LOADER_ACTIONS as readonly string[]).includes(canonicalModuleName(key));
}

function keywordNames(scope: Scope): string[] {
  return Object.keys((scope.handlers ? HandlerKeywords : TaskKeywords).properties);
}

/** Keys Ansible once had, with what to write instead. */
const LEGACY: Record<string, string> = {
  include: "'include' is gone: use import_tasks (static) or include_tasks (dynamic)",
  with_dict: "'with_dict' is not supported: loop over a list instead",
  with_fileglob: "'with_fileglob' is not supported: loop over a list instead",
  with_sequence: "'with_sequence' is not supported: loop over a list instead",
  async: "'async' is not supported",
  poll: "'poll' is not supported",
};

/** `action: copy src=a dest=b` / `local_action: {module: copy, …}` → the usual `copy: …` form. */
function rewriteAction(map: Map_, ctx: LoadContext): Map_ {
  const key = 'local_action' in map ? 'local_action' : 'action';
  const v = map[key];
  let module: string | undefined;
  let args: unknown;
  if (typeof v === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(v);
    module = m?.[1];
    args = m?.[2] ?? '';
  } else if (isMapping(v) && typeof v['module'] === 'string') {
    module = v['module'];
    const rest: Map_ = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'module') rest[k] = x;
    copyPositions(v, rest);
    args = rest;
  }
  if (!module) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `'${key}' needs a module: '${key}: MODULE args' or '${key}: {module: MODULE, …}'`, { loc: valueLoc(map, key) }));
    return {};
  }
  const out: Map_ = {};
  for (const [k, x] of Object.entries(map)) out[k === key ? module : k] = k === key ? args : x;
  if (key === 'local_action' && out['delegate_to'] === undefined) out['delegate_to'] = 'localhost';
  copyPositions(map, out, { [module]: key });
  return out;
}

function loadItem(original: Map_, loc: SourceLoc, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  let map = 'action' in original || 'local_action' in original ? rewriteAction(original, ctx) : original;
  const legacy = Object.keys(map).filter((k) => k in LEGACY && !isModule(k, ctx));
  if (legacy.length > 0) {
    for (const k of legacy) ctx.diag.error(new KplayError('KPLAY_SCHEMA', LEGACY[k]!, { loc: keyLoc(map, k) }));
    const rest = withoutKeys(map, legacy);
    copyPositions(map, rest);
    map = rest;
  }
  const keys = Object.keys(map);
  const keywords = new Set([...keywordNames(scope), ...Object.keys(BlockKeywords.properties)]);
  const actions = keys.filter((k) => isLoaderAction(k) || isModule(k, ctx));
  const unknown = keys.filter((k) => !keywords.has(k) && !actions.includes(k));

  if ('block' in map || 'rescue' in map || 'always' in map) return [loadBlock(map, loc, actions.filter((a) => a !== 'block'), scope, ctx, play)];

  if (actions.length === 0) {
    if (unknown.length === 0) {
      if (legacy.length === 0) ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'task has no module (nothing to do)', { loc }));
      return [];
    }
    const candidates = [...Object.keys(ctx.modules), ...LOADER_ACTIONS, ...keywordNames(scope)];
    for (const k of unknown) {
      const guess = didYouMean(canonicalModuleName(k), candidates);
      if (unknown.length === 1 && !(guess && keywords.has(guess))) ctx.diag.error(unknownModuleError(k, ctx.modules, keyLoc(map, k)));
      else
        ctx.diag.error(
          new KplayError(unknown.length === 1 ? 'KPLAY_SCHEMA' : 'KPLAY_UNKNOWN_MODULE', `unknown ${unknown.length === 1 ? 'keyword' : 'keyword or module'} '${k}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
            loc: keyLoc(map, k),
          }),
        );
    }
    return [];
  }
  if (actions.length > 1) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `two modules in one task: '${actions[0]}' and '${actions[1]}' (split it into two tasks)`, { loc: keyLoc(map, actions[1]!) }));
  }
  const action = actions[0]!;
  const canonical = canonicalModuleName(action);
  switch (canonical) {
    case 'import_tasks':
    case 'include_tasks':
    case 'import_role':
    case 'include_role':
      if (scope.handlers && canonical !== 'import_tasks') {
        ctx.diag.error(new KplayError('KPLAY_SCHEMA', `${canonical} is not supported in handlers`, { loc: keyLoc(map, action) }));
        return [];
      }
      return loadImport(map, loc, action, actions, canonical, scope, ctx, play);
    default:
      return [loadTask(map, loc, action, actions, canonical, scope, ctx)];
  }
}

function withoutKeys(map: Map_, keys: string[]): Map_ {
  const out: Map_ = {};
  for (const [k, v] of Object.entries(map)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Validate an item's own keywords against a schema; errors located in the original mapping. */
function checkKeywords(map: Map_, schema: Parameters<typeof validateWith>[0], omit: string[], what: string, ctx: LoadContext): void {
  checkKeywordValues(map, ctx.diag, Object.keys(map).filter((k) => !omit.includes(k)));
  ctx.diag.add(
    validateWith(schema, withoutKeys(map, omit), {
      locate: (path, want) => locAtPath(map, path, want),
      noun: 'keyword',
      context: what,
      lenientTemplates: true,
    }),
  );
}

function loadBlock(map: Map_, loc: SourceLoc, actions: string[], scope: Scope, ctx: LoadContext, play: PlayBuild): Block {
  for (const a of actions) {
    ctx.diag.error(
      new KplayError('KPLAY_SCHEMA', `a block cannot call a module ('${a}'); move it into a task under 'block:'`, { loc: keyLoc(map, a) }),
    );
  }
  if (scope.handlers) ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'blocks are not supported in handlers', { loc }));
  if (!('block' in map)) ctx.diag.error(new KplayError('KPLAY_SCHEMA', "'rescue'/'always' without 'block'", { loc }));
  checkKeywords(map, BlockKeywords, actions, 'for a block', ctx);
  // (module keys were reported above; leaving them out avoids a second 'unknown keyword' line)
  const own = readOwnKeywords(map, ctx.diag);
  const eff = combine(scope.inherited, own);
  checkTemplates(map['name'], valueLoc(map, 'name'), ctx.diag);
  checkTemplates(map['vars'], valueLoc(map, 'vars'), ctx.diag);
  const inner: Scope = { ...scope, inherited: eff };
  const block: Block = {
    kind: 'block',
    ...commonFields(loc, own.name, eff),
    block: loadItemList(map, 'block', inner, ctx, play),
    rescue: loadItemList(map, 'rescue', inner, ctx, play),
    always: loadItemList(map, 'always', inner, ctx, play),
  };
  if (scope.role) block.role = scope.role;
  return block;
}

function loopOf(map: Map_, ctx: LoadContext): unknown {
  const forms = ['loop', 'with_items', 'with_list'].filter((k) => map[k] !== undefined);
  if (forms.length > 1) ctx.diag.error(new KplayError('KPLAY_SCHEMA', `use one of loop/with_items/with_list, not both '${forms[0]}' and '${forms[1]}'`, { loc: keyLoc(map, forms[1]!) }));
  const key = forms[0];
  if (!key) return undefined;
  const value = map[key];
  checkTemplates(value, valueLoc(map, key), ctx.diag);
  // with_items flattens one level of nested lists (Ansible); a template is flattened at run time.
  if (key === 'with_items' && Array.isArray(value)) return value.flatMap((v) => (Array.isArray(v) ? v : [v]));
  return value;
}

function loopControlOf(map: Map_): LoopControl {
  const lc = isMapping(map['loop_control']) ? (map['loop_control'] as Partial<LoopControl>) : {};
  const out: LoopControl = { loop_var: typeof lc.loop_var === 'string' ? lc.loop_var : 'item' };
  if (typeof lc.index_var === 'string') out.index_var = lc.index_var;
  if (lc.label !== undefined) out.label = lc.label as string;
  if (lc.pause !== undefined) out.pause = lc.pause as number;
  if (typeof lc.extended === 'boolean') out.extended = lc.extended;
  return out;
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function loadTask(map: Map_, loc: SourceLoc, action: string, actions: string[], canonical: string, scope: Scope, ctx: LoadContext): Task {
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

function includeTarget(map: Map_, action: string, canonical: string, ctx: LoadContext): { target?: string; apply?: Map_; opts: Map_ } {
  const v = map[action];
  const locate = (path: (string | number)[], want: 'key' | 'value') => (path.length === 0 ? valueLoc(map, action) : locAtPath(v, path, want));
  if (canonical === 'import_tasks' || canonical === 'include_tasks') {
    const errs = validateWith(canonical === 'import_tasks' ? { type: 'string' } : IncludeTasksArgs, v, {
      locate,
      noun: 'argument',
      context: `for ${canonical}`,
      lenientTemplates: false,
    });
    if (errs.length > 0) {
      ctx.diag.add(errs.map((e) => (e.message.startsWith("'argument'") ? new KplayError(e.code, `${canonical} takes a file path`, { loc: e.loc }) : e)));
      return { opts: {} };
    }
    if (typeof v === 'string') return { target: v, opts: {} };
    const m = v as Map_;
    return { target: m['file'] as string, apply: isMapping(m['apply']) ? m['apply'] : undefined, opts: m };
  }
  const m: Map_ = typeof v === 'string' ? { name: v } : isMapping(v) ? v : {};
  checkKeywordValues(m, ctx.diag, ['allow_duplicates', 'public', 'rolespec_validate'].filter((k) => k in m));
  const errs = validateWith(ImportRoleArgs, m, { locate, noun: 'argument', context: `for ${canonical}`, lenientTemplates: true });
  ctx.diag.add(errs);
  if (errs.length > 0 || typeof m['name'] !== 'string') return { opts: m };
  return { target: m['name'], apply: isMapping(m['apply']) ? m['apply'] : undefined, opts: m };
}

function loadImport(map: Map_, loc: SourceLoc, action: string, actions: string[], canonical: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  checkKeywords(map, ImportKeywords, actions, `for ${canonical}`, ctx);
  const { target, apply, opts } = includeTarget(map, action, canonical, ctx);
  if (target === undefined) return [];
  const own = readOwnKeywords(map, ctx.diag);
  const eff = combine(scope.inherited, own);
  const targetLoc = typeof map[action] === 'string' ? valueLoc(map, action) : locAtPath(map[action], [canonical.endsWith('tasks') ? 'file' : 'name']);
  checkTemplates(target, targetLoc, ctx.diag);
  const isStatic = canonical.startsWith('import_');
  if (isStatic && (map['loop'] !== undefined || map['with_items'] !== undefined || map['with_list'] !== undefined)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `${canonical} cannot loop; use ${canonical.replace('import_', 'include_')}`, { loc: keyLoc(map, 'loop') }));
  }
  if (apply && isStatic) ctx.diag.warn(`'apply' has no effect on ${canonical} (its keywords already apply to every task)`, keyLoc(map, action));

  if (canonical === 'import_tasks') {
    const path = staticPath(target, ctx);
    if (path === undefined) {
      ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'import_tasks needs a static path; use include_tasks for a templated one', { loc: targetLoc }));
      return [];
    }
    const dirs = [scope.baseDir, ...(scope.role ? [resolve(scope.role.path, 'tasks')] : []), ctx.playbookDir];
    const file = findIn(path, dirs);
    if (!file) {
      ctx.diag.error(new KplayError('KPLAY_FILE_NOT_FOUND', `import_tasks: file not found: ${path}`, { loc: targetLoc, hint: `looked in ${dirs.join(', ')}` }));
      return [];
    }
    return loadTaskFile(file, { ...scope, inherited: eff }, ctx, play, targetLoc);
  }
  if (canonical === 'import_role') {
    return applyRole(
      {
        name: target,
        nameLoc: targetLoc,
        callerLoc: loc,
        params: own.vars,
        paramsSource: map['vars'],
        from: opts,
        allowDuplicates: opts['allow_duplicates'] === true,
        // vars: on import_role are role params, not task vars
        inherited: { ...eff, vars: scope.inherited.vars },
      },
      scope,
      ctx,
      play,
    );
  }
  // include_tasks / include_role: resolved at run time.
  const inc: Include = {
    kind: canonical as 'include_tasks' | 'include_role',
    ...commonFields(loc, own.name, eff),
    target,
    loop_control: loopControlOf(map),
    baseDir: scope.baseDir,
  };
  for (const k of ['tasks_from', 'vars_from', 'defaults_from', 'handlers_from'] as const) if (typeof opts[k] === 'string') inc[k] = opts[k] as string;
  const loop = loopOf(map, ctx);
  if (loop !== undefined) inc.loop = loop;
  if (scope.role) inc.role = scope.role;
  // Children inherit from the include's parents, not its own when/tags (Ansible), plus `apply`.
  let childInherited = scope.inherited;
  if (apply) {
    checkKeywords(apply, ImportKeywords, [], "for 'apply'", ctx);
    childInherited = combine(scope.inherited, readOwnKeywords(apply, ctx.diag));
  }
  includeInfo.set(inc, {
    inherited: { ...childInherited, vars: { ...childInherited.vars, ...own.vars } },
    scope,
    params: own.vars,
    ctx: { modules: ctx.modules, playbookDir: ctx.playbookDir, rolesPath: ctx.rolesPath, extraVars: ctx.extraVars },
  });
  return [inc];
}

/** Handlers of a play or role: tasks with a name (or listen); import_tasks is expanded. */
export function loadHandlers(container: Map_, key: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Handler[] {
  return loadItemList(container, key, { ...scope, handlers: true }, ctx, play).filter((i): i is Handler => i.kind === 'task');
}

export function loadHandlerFile(file: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Handler[] {
  return loadTaskFile(file, { ...scope, handlers: true }, ctx, play).filter((i): i is Handler => i.kind === 'task');
}
