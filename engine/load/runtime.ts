/**
 * What the executor loads while running: include_tasks and include_role (resolved per host after
 * templating), and strict argument validation after templating. Signatures match
 * engine/executor/play-context.ts (DynamicLoader).
 */
import { dirname } from 'node:path';
import { KplayError, KplayErrors, type SourceLoc } from '../errors.ts';
import type { Handler, Include, Item, RoleApplication, Vars } from '../playbook/model.ts';
import { canonicalModuleName, modules as registry } from '../../modules/index.ts';
import type { AnyModule } from '../../modules/api.ts';
import { Diagnostics, type LoadContext, type PlayBuild, type Scope } from './context.ts';
import { INHERITABLE, NOTHING_INHERITED, type InheritableKeywords } from './inherit.ts';
import { checkArgs, unknownModuleError } from './module-args.ts';
import { findIn } from './paths.ts';
import { loadRoleCall } from './roles.ts';
import { includeInfoOf } from './includes.ts';
import { loadTaskFile as loadTasks } from './tasks.ts';

export interface RuntimeLoadOptions {
  /** Directory of the playbook that holds the play (Play.baseDir). */
  playbookDir?: string;
  rolesPath?: string[];
  extraVars?: Vars;
  modules?: Record<string, AnyModule>;
}

function setup(caller: Include, opts: RuntimeLoadOptions): { ctx: LoadContext; scope: Scope; params: Vars } {
  const info = includeInfoOf(caller);
  const ctx: LoadContext = {
    diag: new Diagnostics(),
    modules: opts.modules ?? info?.ctx.modules ?? registry,
    playbookDir: opts.playbookDir ?? info?.ctx.playbookDir ?? caller.baseDir,
    rolesPath: opts.rolesPath ?? info?.ctx.rolesPath ?? [],
    extraVars: opts.extraVars ?? info?.ctx.extraVars ?? {},
  };
  if (info) return { ctx, scope: { ...info.scope, inherited: info.inherited, importStack: [] }, params: info.params };
  // An Include the loader did not make: children inherit its keywords except its own condition.
  const keywords: InheritableKeywords = {};
  for (const k of INHERITABLE) if (caller[k] !== undefined) (keywords as Record<string, unknown>)[k] = caller[k];
  const inherited = { ...NOTHING_INHERITED, tags: caller.tags, vars: caller.vars, keywords };
  return { ctx, scope: { file: caller.loc.file, baseDir: caller.baseDir, role: caller.role, inherited, importStack: [] }, params: {} };
}

function throwIfErrors(ctx: LoadContext): void {
  if (ctx.diag.errors.length > 0) throw new KplayErrors(ctx.diag.errors);
}

/**
 * include_tasks at run time: `path` is the rendered target (absolute, or relative to the
 * including file, then the role's tasks/, then the playbook directory). Children inherit the
 * include's parents' keywords and its `apply:`, not its own when/tags (as in Ansible).
 * Throws KplayErrors with every error of the file.
 */
export function loadTaskFile(path: string, caller: Include, opts: RuntimeLoadOptions = {}): Item[] {
  const { ctx, scope } = setup(caller, opts);
  const dirs = [caller.baseDir, ...(caller.role ? [`${caller.role.path}/tasks`] : []), ctx.playbookDir];
  const found = findIn(path, dirs);
  if (!found) throw new KplayErrors([new KplayError('KPLAY_FILE_NOT_FOUND', `include_tasks: file not found: ${path}`, { loc: caller.loc, hint: `looked in ${dirs.join(', ')}` })]);
  const build: PlayBuild = { roles: [], handlers: [], applied: new Set() };
  const items = loadTasks(found, { ...scope, file: found, baseDir: dirname(found) }, ctx, build, caller.loc);
  if (build.roles.length > 0) ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'import_role in a file loaded by include_tasks is not supported; use include_role', { loc: caller.loc }));
  throwIfErrors(ctx);
  return items;
}

/**
 * include_role at run time. `name` is the rendered role name; `appIndex` the index the caller
 * gives `application` in its list of role applications. When the role has meta dependencies,
 * their applications follow in `dependencies` (indexes appIndex+1 …) and must be appended too.
 * Throws KplayErrors (role not found, argument_specs violations …).
 */
export function loadRoleForInclude(
  name: string,
  caller: Include,
  appIndex: number,
  opts: RuntimeLoadOptions = {},
): { application: RoleApplication; dependencies: RoleApplication[]; items: Item[]; handlers: Handler[] } {
  const { ctx, scope, params } = setup(caller, opts);
  const build: PlayBuild = { roles: new Array<RoleApplication>(appIndex), handlers: [], applied: new Set() };
  const from: Record<string, unknown> = {};
  for (const k of ['tasks_from', 'vars_from', 'defaults_from', 'handlers_from'] as const) if (caller[k] !== undefined) from[k] = caller[k];
  const loaded = loadRoleCall({ name, nameLoc: caller.loc, callerLoc: caller.loc, params, from, allowDuplicates: true, inherited: scope.inherited }, scope, ctx, build);
  throwIfErrors(ctx);
  if (!loaded) throw new KplayErrors([new KplayError('KPLAY_ROLE', `role '${name}' could not be loaded`, { loc: caller.loc })]);
  return { application: loaded.application, dependencies: build.roles.slice(appIndex + 1), items: loaded.items, handlers: loaded.handlers };
}

/**
 * Strict validation of a module's arguments after templating (run time): types must now match.
 * Errors are located at the argument's key when argLocs knows it, else at `loc`.
 */
export function validateModuleArgs(
  moduleName: string,
  args: Vars,
  loc: SourceLoc,
  argLocs: Record<string, SourceLoc> = {},
  modules: Record<string, AnyModule> = registry,
): KplayError[] {
  const def = modules[canonicalModuleName(moduleName)];
  if (!def) return [unknownModuleError(moduleName, modules, loc)];
  return checkArgs(def, args, (path) => (path.length > 0 ? argLocs[String(path[0])] : undefined) ?? loc, false);
}
