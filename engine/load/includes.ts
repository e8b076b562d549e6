/**
 * import_tasks, import_role, include_tasks, include_role: their arguments and checks, the file an
 * import_tasks names, and the Include items kept for the executor with what their children
 * inherit. Loading what an import names (a task file, a role) is tasks.ts's, which calls these.
 */
import { resolve } from 'node:path';
import { KplayError, type SourceLoc } from '../errors.ts';
import type { Include, Vars } from '../playbook/model.ts';
import type { LoadContext, Scope } from './context.ts';
import { combine, commonFields, readOwnKeywords, type Inherited, type OwnKeywords } from './inherit.ts';
import { checkKeywords } from './item-keys.ts';
import { ImportKeywords, ImportRoleArgs, IncludeTasksArgs } from './keywords.ts';
import { checkKeywordValues } from './keyword-values.ts';
import { loopControlOf, loopOf } from './loop-keywords.ts';
import { isMapping, type Mapping } from './mapping.ts';
import { findIn, staticPath } from './paths.ts';
import { validateWith } from './schema-errors.ts';
import { checkTemplates } from './template-check.ts';
import { keyLoc, locAtPath, valueLoc } from './yaml-positions.ts';

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

/** An import or include as read from its task: what it names, and the keywords it carries. */
export interface ImportSpec {
  /** The file (import_tasks, include_tasks) or role (import_role, include_role) it names. */
  target: string;
  targetLoc: SourceLoc | undefined;
  apply: Mapping | undefined;
  /** Its arguments as a mapping (tasks_from, allow_duplicates …); empty for a bare file name. */
  opts: Mapping;
  own: OwnKeywords;
  /** The keywords in effect: the parents' combined with its own. */
  eff: Inherited;
}

function includeTarget(map: Mapping, action: string, canonical: string, ctx: LoadContext): { target?: string; apply?: Mapping; opts: Mapping } {
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
    const m = v as Mapping;
    return { target: m['file'] as string, apply: isMapping(m['apply']) ? m['apply'] : undefined, opts: m };
  }
  const m: Mapping = typeof v === 'string' ? { name: v } : isMapping(v) ? v : {};
  checkKeywordValues(m, ctx.diag, ['allow_duplicates', 'public', 'rolespec_validate'].filter((k) => k in m));
  const errs = validateWith(ImportRoleArgs, m, { locate, noun: 'argument', context: `for ${canonical}`, lenientTemplates: true });
  ctx.diag.add(errs);
  if (errs.length > 0 || typeof m['name'] !== 'string') return { opts: m };
  return { target: m['name'], apply: isMapping(m['apply']) ? m['apply'] : undefined, opts: m };
}

/** The checks every import and include gets; undefined when it names nothing usable (reported). */
export function readImport(map: Mapping, action: string, actions: string[], canonical: string, scope: Scope, ctx: LoadContext): ImportSpec | undefined {
  checkKeywords(map, ImportKeywords, actions, `for ${canonical}`, ctx);
  const { target, apply, opts } = includeTarget(map, action, canonical, ctx);
  if (target === undefined) return undefined;
  const own = readOwnKeywords(map, ctx.diag);
  const eff = combine(scope.inherited, own);
  const targetLoc = typeof map[action] === 'string' ? valueLoc(map, action) : locAtPath(map[action], [canonical.endsWith('tasks') ? 'file' : 'name']);
  checkTemplates(target, targetLoc, ctx.diag);
  const isStatic = canonical.startsWith('import_');
  if (isStatic && (map['loop'] !== undefined || map['with_items'] !== undefined || map['with_list'] !== undefined)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `${canonical} cannot loop; use ${canonical.replace('import_', 'include_')}`, { loc: keyLoc(map, 'loop') }));
  }
  if (apply && isStatic) ctx.diag.warn(`'apply' has no effect on ${canonical} (its keywords already apply to every task)`, keyLoc(map, action));
  return { target, targetLoc, apply, opts, own, eff };
}

/** The file an import_tasks names, looked up as Ansible does; undefined when it has none (reported). */
export function importedTaskFile({ target, targetLoc }: ImportSpec, scope: Scope, ctx: LoadContext): string | undefined {
  const path = staticPath(target, ctx);
  if (path === undefined) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'import_tasks needs a static path; use include_tasks for a templated one', { loc: targetLoc }));
    return undefined;
  }
  const dirs = [scope.baseDir, ...(scope.role ? [resolve(scope.role.path, 'tasks')] : []), ctx.playbookDir];
  const file = findIn(path, dirs);
  if (!file) ctx.diag.error(new KplayError('KPLAY_FILE_NOT_FOUND', `import_tasks: file not found: ${path}`, { loc: targetLoc, hint: `looked in ${dirs.join(', ')}` }));
  return file;
}

/** include_tasks / include_role: an item resolved at run time, with what its children inherit. */
export function dynamicInclude({ target, apply, opts, own, eff }: ImportSpec, map: Mapping, loc: SourceLoc, canonical: string, scope: Scope, ctx: LoadContext): Include {
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
  return inc;
}
