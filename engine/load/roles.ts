/**
 * Roles: finding the directory, meta (dependencies, allow_duplicates, argument_specs), defaults,
 * vars, tasks and handlers. A role applied in a play becomes a RoleApplication (its variable
 * layers) plus a Block of its tasks, each task carrying the RoleRef with the application index.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { KplayError, didYouMean, type SourceLoc } from '../errors.ts';
import type { Block, Handler, Item, RoleApplication, RoleRef, Vars } from '../playbook/model.ts';
import type { Diagnostics, LoadContext, PlayBuild, Scope } from './context.ts';
import { roleParamsSchema, type OptionSpec } from './argument-specs.ts';
import { commonFields, combine, readOwnKeywords, type Inherited } from './inherit.ts';
import { ROLE_ENTRY_KEYS, RoleEntryKeywords, RoleMeta, ArgumentSpecs } from './keywords.ts';
import { isDir, staticPath, yamlFileIn } from './paths.ts';
import { checkKeywordValues } from './keyword-values.ts';
import { validateWith, type Segment } from './schema-errors.ts';
import { loadHandlerFile, loadTaskFile } from './tasks.ts';
import { checkTemplates } from './template-check.ts';
import { readVarsFile } from './vars-file.ts';
import { readYamlFile } from './yaml.ts';
import { itemLoc, keyLoc, locAtPath, nodeLoc, valueLoc } from './yaml-positions.ts';

type Map_ = Record<string, unknown>;

export interface RoleFrom {
  tasks_from?: string;
  vars_from?: string;
  defaults_from?: string;
  handlers_from?: string;
}

/** One application of a role, from `roles:`, import_role, a meta dependency or include_role. */
export interface RoleCall {
  name: string;
  nameLoc?: SourceLoc;
  callerLoc: SourceLoc;
  params: Vars;
  /** Where a parameter is written (for argument_specs errors); falls back to callerLoc. */
  paramLoc?: (path: Segment[], want: 'key' | 'value') => SourceLoc | undefined;
  /** Parameters written inline in the entry (checked against argument_specs for typos). */
  inlineParams?: string[];
  paramsSource?: unknown;
  from: RoleFrom | Map_;
  allowDuplicates: boolean;
  /** Keywords the role's tasks inherit (the entry's when, tags, become …). */
  inherited: Inherited;
  /** Roles being applied around this one (dependency cycles). */
  stack?: string[];
}

export interface LoadedRole {
  application: RoleApplication;
  items: Item[];
  handlers: Handler[];
}

function isMapping(v: unknown): v is Map_ {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function roleSearchDirs(ctx: LoadContext, scope?: Pick<Scope, 'role'>): string[] {
  const dirs = [resolve(ctx.playbookDir, 'roles'), ...ctx.rolesPath.map((p) => resolve(ctx.playbookDir, p))];
  // A dependency may name a sibling of the role that depends on it.
  if (scope?.role) dirs.push(dirname(scope.role.path));
  dirs.push(ctx.playbookDir);
  return [...new Set(dirs)];
}

export function findRole(name: string, dirs: string[], playbookDir: string): string | undefined {
  if (isAbsolute(name) || name.startsWith('./') || name.startsWith('../')) {
    const p = resolve(playbookDir, name);
    return isDir(p) ? p : undefined;
  }
  // A nested name (Kubespray's `container-engine/containerd`) is looked up in every roles directory.
  for (const d of dirs) {
    const p = join(d, name);
    if (isDir(p) && ['tasks', 'meta', 'defaults', 'handlers', 'vars'].some((s) => isDir(join(p, s)))) return p;
  }
  return undefined;
}

function knownRoles(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    try {
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) out.push(e.name);
    } catch {
      // a search directory that does not exist holds no roles
    }
  }
  return out;
}

interface RoleMetaData {
  dependencies: unknown[];
  dependenciesSource?: unknown[];
  allowDuplicates: boolean;
  argumentSpecs?: Record<string, { options?: Record<string, OptionSpec> }>;
  argumentSpecsSource?: unknown;
}

// Per role directory and load: a role applied several times reads its meta once.
const metaCache = new WeakMap<Diagnostics, Map<string, RoleMetaData>>();

function readRoleMeta(dir: string, ctx: LoadContext): RoleMetaData {
  let cache = metaCache.get(ctx.diag);
  if (!cache) metaCache.set(ctx.diag, (cache = new Map()));
  let meta = cache.get(dir);
  if (!meta) cache.set(dir, (meta = readRoleMetaFiles(dir, ctx)));
  return meta;
}

function readRoleMetaFiles(dir: string, ctx: LoadContext): RoleMetaData {
  const meta: RoleMetaData = { dependencies: [], allowDuplicates: false };
  const metaFile = yamlFileIn(join(dir, 'meta'), 'main');
  if (metaFile) {
    const parsed = readYamlFile(metaFile);
    ctx.diag.add(parsed.errors);
    const v = parsed.value;
    if (v !== undefined && v !== null) {
      if (!isMapping(v)) ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'role meta must be a mapping', { loc: nodeLoc(v) ?? { file: metaFile, line: 1, col: 1 } }));
      else {
        checkKeywordValues(v, ctx.diag, ['allow_duplicates'].filter((k) => k in v));
        ctx.diag.add(validateWith(RoleMeta, v, { locate: (p, w) => locAtPath(v, p, w), noun: 'key', context: 'in role meta', lenientTemplates: true }));
        if (Array.isArray(v['dependencies'])) {
          meta.dependencies = v['dependencies'];
          meta.dependenciesSource = v['dependencies'];
        }
        meta.allowDuplicates = v['allow_duplicates'] === true;
        if (isMapping(v['argument_specs'])) {
          meta.argumentSpecs = v['argument_specs'] as RoleMetaData['argumentSpecs'];
          meta.argumentSpecsSource = v['argument_specs'];
        }
      }
    }
  }
  const specFile = yamlFileIn(join(dir, 'meta'), 'argument_specs');
  if (specFile) {
    const parsed = readYamlFile(specFile);
    ctx.diag.add(parsed.errors);
    const v = parsed.value;
    if (isMapping(v) && isMapping(v['argument_specs'])) {
      const specs = v['argument_specs'];
      ctx.diag.add(validateWith(ArgumentSpecs, specs, { locate: (p, w) => locAtPath(specs, p, w), noun: 'key', context: 'in argument_specs', lenientTemplates: false }));
      meta.argumentSpecs = specs as RoleMetaData['argumentSpecs'];
      meta.argumentSpecsSource = specs;
    } else if (v !== undefined && v !== null) {
      ctx.diag.error(new KplayError('KPLAY_SCHEMA', "meta/argument_specs.yml must hold an 'argument_specs' mapping", { loc: nodeLoc(v) ?? { file: specFile, line: 1, col: 1 } }));
    }
  } else if (meta.argumentSpecsSource) {
    const specs = meta.argumentSpecsSource;
    ctx.diag.add(validateWith(ArgumentSpecs, specs, { locate: (p, w) => locAtPath(specs, p, w), noun: 'key', context: 'in argument_specs', lenientTemplates: false }));
  }
  return meta;
}

/** A `roles:` entry or meta dependency: a name, or a mapping of role/name, keywords and parameters. */
export function parseRoleEntry(entry: unknown, loc: SourceLoc, parent: Inherited, ctx: LoadContext): RoleCall | undefined {
  if (typeof entry === 'string') return { name: entry, nameLoc: loc, callerLoc: loc, params: {}, from: {}, allowDuplicates: false, inherited: parent };
  if (!isMapping(entry)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'a role entry must be a role name or a mapping with role:', { loc }));
    return undefined;
  }
  const nameKey = typeof entry['role'] === 'string' ? 'role' : typeof entry['name'] === 'string' ? 'name' : undefined;
  if (!nameKey) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', "role entry has no 'role' (the role's name)", { loc }));
    return undefined;
  }
  checkKeywordValues(entry, ctx.diag, Object.keys(entry).filter((k) => ROLE_ENTRY_KEYS.has(k)));
  const keywordPart: Map_ = {};
  const params: Vars = {};
  const inline: string[] = [];
  for (const [k, v] of Object.entries(entry)) {
    if (ROLE_ENTRY_KEYS.has(k)) keywordPart[k] = v;
    else {
      params[k] = v;
      inline.push(k);
      // Any other key is a role parameter (Ansible); one that looks like a misspelt keyword deserves a word.
      const guess = didYouMean(k, ROLE_ENTRY_KEYS);
      if (guess && guess !== k) ctx.diag.warn(`'${k}' is passed to role as a parameter; did you mean the keyword '${guess}'?`, keyLoc(entry, k));
    }
  }
  ctx.diag.add(validateWith(RoleEntryKeywords, keywordPart, { locate: (p, w) => locAtPath(entry, p, w), noun: 'keyword', context: 'for a role', lenientTemplates: true }));
  const own = readOwnKeywords(keywordPart, ctx.diag);
  const vars = isMapping(entry['vars']) ? (entry['vars'] as Vars) : {};
  checkTemplates(params, loc, ctx.diag);
  checkTemplates(vars, valueLoc(entry, 'vars'), ctx.diag);
  const name = entry[nameKey] as string;
  return {
    name,
    nameLoc: valueLoc(entry, nameKey),
    callerLoc: loc,
    params: { ...params, ...vars },
    inlineParams: inline,
    paramLoc: (path, want) => (String(path[0]) in params ? locAtPath(entry, path, want) : locAtPath(vars, path, want)) ?? loc,
    from: entry,
    allowDuplicates: entry['allow_duplicates'] === true,
    // role params are not task vars: keep the parent's vars only
    inherited: { ...combine(parent, own), vars: parent.vars },
  };
}

function fromFile(dir: string, sub: string, from: unknown, call: RoleCall, ctx: LoadContext): string | undefined {
  const base = typeof from === 'string' ? from : 'main';
  const file = yamlFileIn(join(dir, sub), base);
  if (!file && typeof from === 'string') {
    ctx.diag.error(new KplayError('KPLAY_FILE_NOT_FOUND', `role '${call.name}': ${sub}/${base}.yml not found`, { loc: call.nameLoc ?? call.callerLoc }));
  }
  return file;
}

function readLayer(dir: string, sub: string, from: unknown, call: RoleCall, ctx: LoadContext): Vars {
  const file = fromFile(dir, sub, from, call, ctx);
  if (!file) return {};
  const { vars, errors } = readVarsFile(file);
  ctx.diag.add(errors);
  for (const [k, v] of Object.entries(vars)) checkTemplates(v, valueLoc(vars, k), ctx.diag);
  return vars;
}

function checkArgumentSpecs(meta: RoleMetaData, entry: string, call: RoleCall, defaults: Vars, vars: Vars, ctx: LoadContext): void {
  const spec = meta.argumentSpecs?.[entry];
  if (!spec || !isMapping(spec.options)) return;
  const options = spec.options;
  const merged: Vars = { ...defaults, ...vars, ...call.params };
  const locate = (path: Segment[], want: 'key' | 'value'): SourceLoc | undefined => {
    const top = String(path[0] ?? '');
    if (path.length > 0 && top in call.params) return call.paramLoc?.(path, want) ?? call.callerLoc;
    if (path.length > 0 && top in vars) return locAtPath(vars, path, want);
    if (path.length > 0 && top in defaults) return locAtPath(defaults, path, want);
    return call.callerLoc;
  };
  const errors = validateWith(roleParamsSchema(options), merged, {
    locate,
    noun: 'role parameter',
    context: `for role ${call.name}`,
    lenientTemplates: true,
    code: 'KPLAY_ROLE',
  }).map((e) => (e.message.includes(`role ${call.name}`) ? e : new KplayError(e.code, `role ${call.name}: ${e.message}`, { loc: e.loc, hint: e.hint })));
  for (const k of call.inlineParams ?? []) {
    if (k in options) continue;
    const guess = didYouMean(k, Object.keys(options));
    errors.push(
      new KplayError('KPLAY_ROLE', `unknown role parameter '${k}' for role ${call.name}${guess ? ` (did you mean '${guess}'?)` : ''}`, { loc: call.paramLoc?.([k], 'key') ?? call.callerLoc }),
    );
  }
  ctx.diag.add(errors);
}

function dedupKey(dir: string, call: RoleCall): string {
  const from = call.from as Map_;
  return JSON.stringify([dir, from['tasks_from'] ?? 'main', call.params]);
}

/**
 * Apply a role in a play: dependencies first, then the role's own tasks in a Block. Role handlers
 * are appended to play.handlers. Returns nothing when the role already ran with the same parameters.
 */
export function applyRole(call: RoleCall, scope: Scope, ctx: LoadContext, play: PlayBuild): Item[] {
  const loaded = loadRoleCall(call, scope, ctx, play);
  if (!loaded) return [];
  play.handlers.push(...loaded.handlers);
  return loaded.items;
}

/** The role's application (appended to play.roles), its items (deps first) and handlers. */
export function loadRoleCall(call: RoleCall, scope: Scope, ctx: LoadContext, play: PlayBuild): LoadedRole | undefined {
  const name = staticPath(call.name, ctx);
  if (name === undefined) {
    ctx.diag.error(new KplayError('KPLAY_ROLE', `role name '${call.name}' must be known at load time (use include_role for a templated one)`, { loc: call.nameLoc ?? call.callerLoc }));
    return undefined;
  }
  const dirs = roleSearchDirs(ctx, scope);
  const dir = findRole(name, dirs, ctx.playbookDir);
  if (!dir) {
    const guess = didYouMean(name, knownRoles(dirs));
    ctx.diag.error(
      new KplayError('KPLAY_FILE_NOT_FOUND', `role '${name}' not found${guess ? ` (did you mean '${guess}'?)` : ''}`, {
        loc: call.nameLoc ?? call.callerLoc,
        hint: `searched ${dirs.join(', ')}`,
      }),
    );
    return undefined;
  }
  const stack = call.stack ?? [];
  if (stack.includes(dir)) {
    ctx.diag.error(new KplayError('KPLAY_ROLE', `role dependency cycle: ${[...stack, dir].map((d) => basename(d)).join(' → ')}`, { loc: call.callerLoc }));
    return undefined;
  }
  const meta = readRoleMeta(dir, ctx);
  const from = call.from as Map_;
  const defaults = readLayer(dir, 'defaults', from['defaults_from'], call, ctx);
  const vars = readLayer(dir, 'vars', from['vars_from'], call, ctx);
  const entryPoint = typeof from['tasks_from'] === 'string' ? (from['tasks_from'] as string).replace(/\.ya?ml$/, '') : 'main';
  checkArgumentSpecs(meta, entryPoint, call, defaults, vars, ctx);

  const key = dedupKey(dir, call);
  if (play.applied.has(key) && !call.allowDuplicates && !meta.allowDuplicates) return undefined;
  play.applied.add(key);

  // The role's own application gets its index before its dependencies get theirs, so that an
  // include_role caller that reserved one index for the role finds it there.
  const ref: RoleRef = { name: basename(dir), path: dir, app: play.roles.length };
  const application: RoleApplication = { ref, defaults, vars, params: call.params };
  play.roles.push(application);

  const items: Item[] = [];
  const handlers: Handler[] = [];
  const depScope: Scope = { ...scope, role: ref };
  meta.dependencies.forEach((dep, i) => {
    const depLoc = itemLoc(meta.dependencies, i) ?? call.callerLoc;
    const depCall = parseRoleEntry(dep, depLoc, call.inherited, ctx);
    if (!depCall) return;
    depCall.stack = [...stack, dir];
    const loadedDep = loadRoleCall(depCall, depScope, ctx, play);
    if (loadedDep) {
      items.push(...loadedDep.items);
      handlers.push(...loadedDep.handlers);
    }
  });

  const roleScope: Scope = { file: scope.file, baseDir: join(dir, 'tasks'), role: ref, inherited: call.inherited, importStack: scope.importStack };
  const tasksFile = fromFile(dir, 'tasks', from['tasks_from'], call, ctx);
  const tasks = tasksFile ? loadTaskFile(tasksFile, roleScope, ctx, play, call.nameLoc) : [];
  const handlersFile = fromFile(dir, 'handlers', from['handlers_from'], call, ctx);
  if (handlersFile) handlers.push(...loadHandlerFile(handlersFile, { ...roleScope, baseDir: join(dir, 'handlers') }, ctx, play));

  const block: Block = { kind: 'block', ...commonFields(call.callerLoc, undefined, call.inherited), role: ref, block: tasks, rescue: [], always: [] };
  items.push(block);
  return { application, items, handlers };
}


