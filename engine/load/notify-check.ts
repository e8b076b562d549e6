/**
 * `notify:` is checked when the playbook loads: every name a task or handler notifies must be the
 * name or a `listen` topic of a handler of the same play (the play's handlers:, its roles'
 * handlers/ files, import_tasks in them). Otherwise it is an error at the notify line, before any
 * host is contacted (Ansible finds out only when the task changes, at run time).
 *
 * What cannot be known at load time is not refused:
 * - a templated notify (`restart {{ svc }}`), and a notify that a templated handler name could match;
 * - handlers that arrive at run time: the handlers of a role brought by include_role are read here
 *   when its name is static (its handlers file and its meta dependencies'); when an include_role's
 *   role cannot be known (a templated name, a role not found, an include_tasks file that itself
 *   includes a role or tasks), a notify of an unknown name is a warning, not an error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KplayError, didYouMean, type SourceLoc } from '../errors.ts';
import type { Include, Item, Play, Task } from '../playbook/model.ts';
import { isTemplate } from '../template/render.ts';
import type { LoadContext } from './context.ts';
import { findIn, staticPath, yamlFileIn } from './paths.ts';
import { findRole, roleSearchDirs } from './roles.ts';
import { readYamlFile } from './yaml.ts';
import { itemLoc, valueLoc } from './yaml-positions.ts';

type Map_ = Record<string, unknown>;

const notifyLocs = new WeakMap<Task, SourceLoc[]>();

/** Remember where each notify entry of a task is written (the task's own mapping). */
export function recordNotifyLocs(task: Task, map: Map_): void {
  const v = map['notify'];
  const loc = valueLoc(map, 'notify') ?? task.loc;
  notifyLocs.set(task, Array.isArray(v) ? v.map((_, i) => itemLoc(v, i) ?? loc) : [loc]);
}

function isMapping(v: unknown): v is Map_ {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The topics a handler answers to: its name and its listen topics. */
interface Topics {
  names: Set<string>;
  /** Templated handler names, as patterns (the template part matches anything). */
  patterns: RegExp[];
  /** Some handlers may arrive at run time from a source that cannot be read now. */
  unknownSources: { what: string; loc: SourceLoc }[];
}

function addName(t: Topics, name: string): void {
  if (!isTemplate(name)) {
    t.names.add(name);
    return;
  }
  const re = name
    .split(/\{\{[\s\S]*?\}\}/)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  t.patterns.push(new RegExp(`^${re}$`));
}

function walk(items: Item[], visit: (i: Item) => void): void {
  for (const i of items) {
    visit(i);
    if (i.kind === 'block') walk([...i.block, ...i.rescue, ...i.always], visit);
  }
}

/** Handler names and listen topics of a role's handlers file and its dependencies', read without loading. */
function roleHandlerTopics(name: string, handlersFrom: string | undefined, fromRole: Include['role'], ctx: LoadContext, t: Topics, loc: SourceLoc, seen: Set<string>): void {
  const dir = findRole(name, roleSearchDirs(ctx, { role: fromRole }), ctx.playbookDir);
  if (!dir) {
    t.unknownSources.push({ what: `include_role '${name}' (role not found)`, loc });
    return;
  }
  if (seen.has(dir)) return;
  seen.add(dir);
  const file = yamlFileIn(join(dir, 'handlers'), handlersFrom ?? 'main');
  if (file) handlerFileTopics(file, ctx, t, loc, new Set());
  const metaFile = yamlFileIn(join(dir, 'meta'), 'main');
  const meta = metaFile ? readYamlFile(metaFile).value : undefined;
  if (!isMapping(meta) || !Array.isArray(meta['dependencies'])) return;
  const ref = { name: name, path: dir, app: 0 };
  for (const dep of meta['dependencies']) {
    const depName = typeof dep === 'string' ? dep : isMapping(dep) ? (dep['role'] ?? dep['name']) : undefined;
    const known = typeof depName === 'string' ? staticPath(depName, ctx) : undefined;
    if (known === undefined) t.unknownSources.push({ what: `a dependency of role '${name}'`, loc });
    else roleHandlerTopics(known, undefined, ref, ctx, t, loc, seen);
  }
}

function handlerFileTopics(file: string, ctx: LoadContext, t: Topics, loc: SourceLoc, seen: Set<string>): void {
  if (seen.has(file)) return;
  seen.add(file);
  const list = readYamlFile(file).value;
  if (!Array.isArray(list)) return;
  for (const h of list) {
    if (!isMapping(h)) continue;
    if (typeof h['name'] === 'string') addName(t, h['name']);
    for (const l of strings(h['listen'])) addName(t, l);
    const imp = h['import_tasks'] ?? h['ansible.builtin.import_tasks'];
    if (typeof imp === 'string') {
      const p = staticPath(imp, ctx);
      const found = p === undefined ? undefined : findIn(p, [dirname(file)]);
      if (found) handlerFileTopics(found, ctx, t, loc, seen);
      else t.unknownSources.push({ what: `import_tasks '${imp}' in ${file}`, loc });
    }
  }
}

/** What an include_tasks or include_role may add to the play's handlers at run time. */
function dynamicTopics(inc: Include, ctx: LoadContext, t: Topics): void {
  const target = staticPath(inc.target, ctx);
  if (inc.kind === 'include_role') {
    if (target === undefined) t.unknownSources.push({ what: `include_role '${inc.target}'`, loc: inc.loc });
    else roleHandlerTopics(target, inc.handlers_from, inc.role, ctx, t, inc.loc, new Set());
    return;
  }
  // include_tasks adds no handler itself, but the file may include a role (import_role is refused there).
  const dirs = [inc.baseDir, ...(inc.role ? [join(inc.role.path, 'tasks')] : []), ctx.playbookDir];
  const file = target === undefined ? undefined : findIn(target, dirs);
  let text = '';
  try {
    text = file ? readFileSync(file, 'utf8') : '';
  } catch {
    text = '';
  }
  if (!file || /\binclude_(role|tasks)\b/.test(text)) t.unknownSources.push({ what: `include_tasks '${inc.target}'`, loc: inc.loc });
}

/** Check every notify of a loaded play against its handlers. */
export function checkNotifies(play: Play, ctx: LoadContext): void {
  const t: Topics = { names: new Set(), patterns: [], unknownSources: [] };
  for (const h of play.handlers) {
    if (h.name !== undefined) addName(t, h.name);
    for (const l of h.listen) addName(t, l);
  }
  const notifying: Task[] = [];
  const all = [...play.sections.flatMap((s) => s.items), ...play.handlers];
  walk(all, (i) => {
    if (i.kind === 'task' && i.notify.length > 0) notifying.push(i);
    else if (i.kind === 'include_tasks' || i.kind === 'include_role') dynamicTopics(i, ctx, t);
  });
  const candidates = [...t.names];
  for (const task of notifying) {
    const locs = notifyLocs.get(task) ?? [];
    task.notify.forEach((n, idx) => {
      if (isTemplate(n) || t.names.has(n) || t.patterns.some((re) => re.test(n))) return;
      const loc = locs[idx] ?? locs[0] ?? task.loc;
      const unknown = t.unknownSources[0];
      if (unknown) {
        ctx.diag.warn(`notify '${n}' names no handler known at load time; it may come from ${unknown.what} at run time`, loc);
        return;
      }
      // Ansible also accepts "role : handler"; kplay notifies by the handler's own name.
      const qualified = /^.+? : (.+)$/.exec(n);
      const guess = qualified && t.names.has(qualified[1]!) ? qualified[1] : didYouMean(n, candidates);
      const where = candidates.length === 0 ? 'this play has no handlers' : `handlers of this play: ${candidates.slice(0, 8).map((c) => `'${c}'`).join(', ')}${candidates.length > 8 ? ', …' : ''}`;
      ctx.diag.error(
        new KplayError('KPLAY_SCHEMA', `notify '${n}' names no handler or listen topic of this play${guess ? ` (did you mean '${guess}'?)` : ''}`, { loc, hint: where }),
      );
    });
  }
}
