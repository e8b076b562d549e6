/**
 * Task lists: tasks, blocks, handlers, and the imports that expand into more of them here:
 * import_tasks (the file's items) and import_role (via roles.ts, which calls back for the role's
 * task files: the loader's one mutual recursion). What a single item is made of lives beside:
 * item-keys.ts (its keys), action-form.ts (`action:`), module-task.ts (a module's task),
 * includes.ts (imports' arguments, and include_tasks / include_role kept for the executor).
 */
import { dirname } from 'node:path';
import { KplayError, type SourceLoc } from '../errors.ts';
import type { Block, Handler, Item } from '../playbook/model.ts';
import { canonicalModuleName } from '../../modules/index.ts';
import { rewriteAction } from './action-form.ts';
import type { LoadContext, PlayBuild, Scope } from './context.ts';
import { dynamicInclude, importedTaskFile, readImport } from './includes.ts';
import { combine, commonFields, readOwnKeywords } from './inherit.ts';
import { checkKeywords, classifyKeys, reportUnknownKeys, withoutLegacyKeys } from './item-keys.ts';
import { BlockKeywords } from './keywords.ts';
import { isMapping, type Mapping } from './mapping.ts';
import { loadTask } from './module-task.ts';
import { checkTemplates } from './template-check.ts';
import { readYamlFile } from './yaml.ts';
import { itemLoc, keyLoc, nodeLoc, valueLoc } from './yaml-positions.ts';
import { isFile } from './paths.ts';
import { applyRole } from './roles.ts';

/** A list of items under `container[key]` (tasks:, block:, rescue: …). */
export function loadItemList(container: Mapping, key: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
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

function loadItem(original: Mapping, loc: SourceLoc, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  const rewritten = 'action' in original || 'local_action' in original ? rewriteAction(original, ctx) : original;
  const { map, legacy } = withoutLegacyKeys(rewritten, ctx);
  const keys = classifyKeys(map, scope, ctx);
  const { actions } = keys;

  if ('block' in map || 'rescue' in map || 'always' in map) return [loadBlock(map, loc, actions.filter((a) => a !== 'block'), scope, ctx, play)];

  if (actions.length === 0) {
    if (keys.unknown.length === 0) {
      if (legacy.length === 0) ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'task has no module (nothing to do)', { loc }));
      return [];
    }
    reportUnknownKeys(map, keys, scope, ctx);
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

function loadBlock(map: Mapping, loc: SourceLoc, actions: string[], scope: Scope, ctx: LoadContext, play: PlayBuild): Block {
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

function loadImport(map: Mapping, loc: SourceLoc, action: string, actions: string[], canonical: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  const spec = readImport(map, action, actions, canonical, scope, ctx);
  if (spec === undefined) return [];
  const { target, targetLoc, opts, own, eff } = spec;
  if (canonical === 'import_tasks') {
    const file = importedTaskFile(spec, scope, ctx);
    if (!file) return [];
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
  return [dynamicInclude(spec, map, loc, canonical, scope, ctx)];
}

/** Handlers of a play or role: tasks with a name (or listen); import_tasks is expanded. */
export function loadHandlers(container: Mapping, key: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Handler[] {
  return loadItemList(container, key, { ...scope, handlers: true }, ctx, play).filter((i): i is Handler => i.kind === 'task');
}

export function loadHandlerFile(file: string, scope: Scope, ctx: LoadContext, play: PlayBuild): Handler[] {
  return loadTaskFile(file, { ...scope, handlers: true }, ctx, play).filter((i): i is Handler => i.kind === 'task');
}
