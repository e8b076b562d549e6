/**
 * Keywords that flow from a play, role, block or import down to every task inside it.
 * The loader pushes them all the way down: each Task and Include carries its effective
 * when (parents' conditions first), tags (union), vars (child wins) and the other keywords
 * (child wins). Blocks carry the same effective values, so the executor need not re-apply them.
 */
import type { CommonKeywords, Vars } from '../playbook/model.ts';
import { parseCondition, type Condition } from '../template/expression.ts';
import { KplayError, type SourceLoc } from '../errors.ts';
import type { Diagnostics } from './context.ts';
import { copyPositions, itemLoc, keyLoc, mergePositions, nodeLoc, valueLoc } from './yaml-positions.ts';
import { IGNORED_KEYWORDS } from './keywords.ts';

export const INHERITABLE = [
  'become',
  'become_user',
  'become_method',
  'check_mode',
  'diff',
  'ignore_errors',
  'ignore_unreachable',
  'no_log',
  'delegate_to',
  'delegate_facts',
  'run_once',
  'throttle',
  'any_errors_fatal',
  'environment',
] as const;

export type InheritableKeywords = Partial<Pick<CommonKeywords, (typeof INHERITABLE)[number]>>;

export interface Inherited {
  when: Condition[];
  tags: string[];
  vars: Vars;
  keywords: InheritableKeywords;
}

export const NOTHING_INHERITED: Inherited = { when: [], tags: [], vars: {}, keywords: {} };

export interface OwnKeywords extends Inherited {
  name?: string;
}

/** Parse `when`-like values: a string, a boolean or a list of them. Syntax errors are collected. */
export function parseConditions(container: Record<string, unknown>, key: string, diag: Diagnostics): Condition[] {
  const value = container[key];
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: Condition[] = [];
  list.forEach((item, i) => {
    if (typeof item !== 'string' && typeof item !== 'boolean') return; // the schema reports the type
    const loc = Array.isArray(value) ? itemLoc(value, i) : valueLoc(container, key);
    try {
      out.push(parseCondition(item, loc));
    } catch (err) {
      if (err instanceof KplayError) diag.error(err.loc ? err : new KplayError(err.code, err.message, { loc, hint: err.hint, cause: err }));
      else diag.error(new KplayError('KPLAY_EXPRESSION', `bad condition '${String(item)}': ${String(err)}`, { loc, cause: err }));
    }
  });
  return out;
}

export function parseTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const t of list) {
    if (typeof t === 'string') out.push(...t.split(',').map((s) => s.trim()).filter(Boolean));
    else if (typeof t === 'number') out.push(String(t));
  }
  return out;
}

/** `vars:` as a mapping, or a list of mappings merged in order. */
export function parseVars(value: unknown): Vars {
  // the copy keeps each key's FILE:LINE (kplay_var_origin names where a value was set)
  if (Array.isArray(value)) {
    const maps = value.filter((v) => typeof v === 'object' && v !== null);
    const out: Vars = Object.assign({}, ...maps);
    const at = nodeLoc(value);
    if (at) mergePositions(out, maps, at);
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out = { ...(value as Vars) };
    copyPositions(value, out);
    return out;
  }
  return {};
}

/** The keywords an item sets itself (already schema-checked by the caller). */
export function readOwnKeywords(map: Record<string, unknown>, diag: Diagnostics): OwnKeywords {
  const keywords: InheritableKeywords = {};
  for (const k of INHERITABLE) {
    if (map[k] !== undefined && map[k] !== null) (keywords as Record<string, unknown>)[k] = map[k];
  }
  for (const k of Object.keys(map)) {
    if (IGNORED_KEYWORDS.has(k)) diag.warn(`'${k}' is accepted for compatibility and ignored`, keyLoc(map, k));
  }
  const name = map['name'];
  return {
    name: typeof name === 'string' || typeof name === 'number' ? String(name) : undefined,
    when: parseConditions(map, 'when', diag),
    tags: parseTags(map['tags']),
    vars: parseVars(map['vars']),
    keywords,
  };
}

/** environment mappings merge (the child's variables win); a template replaces. */
function mergedEnvironment(parent: unknown, own: unknown): InheritableKeywords {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  return isMap(parent) && isMap(own) ? { environment: { ...parent, ...own } } : {};
}

export function combine(parent: Inherited, own: Inherited): Inherited {
  return {
    when: [...parent.when, ...own.when],
    tags: [...new Set([...parent.tags, ...own.tags])],
    vars: { ...parent.vars, ...own.vars },
    keywords: { ...parent.keywords, ...own.keywords, ...mergedEnvironment(parent.keywords.environment, own.keywords.environment) },
  };
}

/** The CommonKeywords of an item from its effective (combined) keywords. */
export function commonFields(loc: SourceLoc, name: string | undefined, eff: Inherited): CommonKeywords {
  const out: CommonKeywords = { loc, when: eff.when, tags: eff.tags, vars: eff.vars, ...eff.keywords };
  if (name !== undefined) out.name = name;
  return out;
}
