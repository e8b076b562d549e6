/** One play: keywords, vars_files, the four task sections with roles expanded, handlers. */
import { dirname } from 'node:path';
import { KplayError, type SourceLoc } from '../errors.ts';
import type { Item, Play, Vars } from '../playbook/model.ts';
import type { LoadContext, PlayBuild, Scope } from './context.ts';
import { combine, commonFields, readOwnKeywords, type Inherited } from './inherit.ts';
import { PlayKeywords } from './keywords.ts';
import { findIn, staticPath } from './paths.ts';
import { applyRole, parseRoleEntry } from './roles.ts';
import { checkKeywordValues } from './keyword-values.ts';
import { checkNotifies } from './notify-check.ts';
import { validateWith } from './schema-errors.ts';
import { loadHandlers, loadItemList } from './tasks.ts';
import { checkTemplates } from './template-check.ts';
import { readVarsFile } from './vars-file.ts';
import { itemLoc, locAtPath, mergePositions, valueLoc } from './yaml-positions.ts';

type Map_ = Record<string, unknown>;

function loadVarsFiles(map: Map_, baseDir: string, ctx: LoadContext): { files: string[]; vars: Vars } {
  const raw = map['vars_files'];
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const files: string[] = [];
  const vars: Vars = {};
  const read: Vars[] = [];
  list.forEach((entry, i) => {
    const loc = Array.isArray(raw) ? itemLoc(raw, i) : valueLoc(map, 'vars_files');
    // A nested list means "the first of these that exists" (Ansible).
    const candidates = (Array.isArray(entry) ? entry : [entry]).filter((c): c is string => typeof c === 'string');
    const dynamic = candidates.filter((c) => staticPath(c, ctx) === undefined);
    if (dynamic.length > 0) {
      ctx.diag.warn(`vars_files entry '${dynamic[0]}' is a template; it is resolved per host at run time`, loc);
      files.push(...dynamic);
      return;
    }
    const found = candidates.map((c) => findIn(staticPath(c, ctx)!, [baseDir])).find((f) => f !== undefined);
    if (!found) {
      ctx.diag.error(
        new KplayError('KPLAY_FILE_NOT_FOUND', `vars_files: file not found: ${candidates.join(' or ')}`, { loc, hint: `relative paths resolve from ${baseDir}` }),
      );
      return;
    }
    const r = readVarsFile(found, loc);
    ctx.diag.add(r.errors);
    for (const [k, v] of Object.entries(r.vars)) checkTemplates(v, valueLoc(r.vars, k), ctx.diag);
    files.push(found);
    Object.assign(vars, r.vars);
    read.push(r.vars);
  });
  const at = valueLoc(map, 'vars_files');
  if (at) mergePositions(vars, read, at);
  return { files, vars };
}

function serialOf(v: unknown): (number | string)[] | undefined {
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).filter((x): x is number | string => typeof x === 'number' || typeof x === 'string');
}

/** `connection`, `remote_user` and `port` on a play are connection variables for its hosts. */
function connectionVars(map: Map_): Vars {
  const out: Vars = {};
  if (map['connection'] !== undefined) out['ansible_connection'] = map['connection'];
  if (map['remote_user'] !== undefined) out['ansible_user'] = map['remote_user'];
  if (map['port'] !== undefined) out['ansible_port'] = map['port'];
  return out;
}

export function loadPlay(map: Map_, loc: SourceLoc, file: string, outer: Inherited, ctx: LoadContext): Play | undefined {
  checkKeywordValues(map, ctx.diag);
  ctx.diag.add(
    validateWith(PlayKeywords, map, { locate: (p, w) => locAtPath(map, p, w), noun: 'keyword', context: 'for a play', lenientTemplates: true, topCandidates: ['import_playbook'] }),
  );
  if (map['hosts'] === undefined || map['hosts'] === null) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', "play has no 'hosts' (which hosts should it run on?)", { loc }));
  }
  for (const k of ['name', 'hosts', 'vars', 'environment']) checkTemplates(map[k], valueLoc(map, k), ctx.diag);
  const baseDir = dirname(file);
  const own = readOwnKeywords(map, ctx.diag);
  const connection = connectionVars(map);
  const playVars = { ...outer.vars, ...connection, ...own.vars };
  mergePositions(playVars, [outer.vars, connection, own.vars], loc);
  // Play vars are their own variable layer; only the other keywords flow into tasks.
  const taskInherited = combine({ ...outer, vars: {} }, { ...own, vars: {} });
  const { files, vars: varsFromFiles } = loadVarsFiles(map, baseDir, ctx);

  const build: PlayBuild = { roles: [], handlers: [], applied: new Set() };
  const scope: Scope = { file, baseDir, inherited: taskInherited, importStack: [file] };
  const pre = loadItemList(map, 'pre_tasks', scope, ctx, build);
  const roleItems: Item[] = [];
  const roles = map['roles'];
  if (Array.isArray(roles)) {
    roles.forEach((entry, i) => {
      const call = parseRoleEntry(entry, itemLoc(roles, i) ?? loc, taskInherited, ctx);
      if (call) roleItems.push(...applyRole(call, scope, ctx, build));
    });
  } else if (roles !== undefined && roles !== null) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', "'roles' must be a list", { loc: valueLoc(map, 'roles') }));
  }
  const tasks = loadItemList(map, 'tasks', scope, ctx, build);
  const post = loadItemList(map, 'post_tasks', scope, ctx, build);
  // A role applied twice (other params) brings its handlers twice; one notify must run them once.
  const seen = new Set<string>();
  const handlers = [...build.handlers, ...loadHandlers(map, 'handlers', scope, ctx, build)].filter((h) => {
    const key = `${h.loc.file}:${h.loc.line}:${h.loc.col}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const hosts = map['hosts'];
  const play: Play = {
    kind: 'play',
    ...commonFields(loc, own.name, { ...taskInherited, vars: playVars }),
    hosts: Array.isArray(hosts) ? hosts.map(String).join(',') : typeof hosts === 'string' ? hosts : '',
    gather_facts: map['gather_facts'] !== false,
    vars_files: files, // absolute, except templated entries (resolved per host at run time)
    varsFromFiles,
    roles: build.roles,
    sections: [
      { name: 'pre_tasks', items: pre },
      { name: 'roles', items: roleItems },
      { name: 'tasks', items: tasks },
      { name: 'post_tasks', items: post },
    ],
    handlers,
    order: (map['order'] as Play['order']) ?? 'inventory',
    strategy: (map['strategy'] as Play['strategy']) ?? 'linear',
    baseDir,
  };
  const serial = serialOf(map['serial']);
  if (serial) play.serial = serial;
  if (typeof map['max_fail_percentage'] === 'number') play.max_fail_percentage = map['max_fail_percentage'];
  if (typeof map['force_handlers'] === 'boolean') play.force_handlers = map['force_handlers'];
  checkNotifies(play, ctx);
  return play;
}
