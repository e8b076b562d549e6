/**
 * What an expression can call: the tests (`x is defined`), filters (`x | default(1)`), functions
 * (`range(3)`) and methods (`s.split(',')`), and the member access they share with the evaluator
 * (expression-eval.ts). Filters are the template helpers plus Ansible's (filters/).
 */
import { HELPERS } from './helpers.ts';
import { ANSIBLE_FILTERS } from './filters/index.ts';
import { FUNCTIONS as ANSIBLE_FUNCTIONS } from './filters/functions.ts';
import { asList, attrPath } from './filters/inputs.ts';
import type { EvalEnv, Kw } from './filters/types.ts';
import {
  compare,
  contains,
  deepEqual,
  isPlainObject,
  lengthOf,
  toBool,
  toFloat,
  toInt,
  truthy,
  typeName,
  versionTest,
} from './values.ts';

type Fn = (input: unknown, args: unknown[], kw: Kw, env: EvalEnv) => unknown;

function regexOf(pattern: unknown, test: string, flags = ''): RegExp {
  try {
    return new RegExp(String(pattern), flags);
  } catch (err) {
    throw new TypeError(`${test}: bad regular expression: ${(err as Error).message}`);
  }
}

function registered(v: unknown, test: string): Record<string, unknown> {
  if (!isPlainObject(v)) throw new TypeError(`the '${test}' test needs a registered result (a dict), got a ${typeName(v)}`);
  return v;
}

/** `x is <test>`; `defined`/`undefined` are handled by the evaluator (they see undefined variables). */
export const TESTS: Record<string, Fn> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  true: (v) => v === true,
  false: (v) => v === false,
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  mapping: (v) => isPlainObject(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  empty: (v) => lengthOf(v) === 0,
  even: (v) => toInt(v) % 2 === 0,
  odd: (v) => Math.abs(toInt(v) % 2) === 1,
  divisibleby: (v, [n]) => toInt(v) % toInt(n) === 0,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  eq: (v, [x]) => deepEqual(v, x),
  ne: (v, [x]) => !deepEqual(v, x),
  in: (v, [x]) => contains(x, v),
  changed: (v) => registered(v, 'changed').changed === true,
  failed: (v) => registered(v, 'failed').failed === true,
  skipped: (v) => registered(v, 'skipped').skipped === true,
  succeeded: (v) => registered(v, 'succeeded').failed !== true,
  success: (v) => registered(v, 'success').failed !== true,
  successful: (v) => registered(v, 'successful').failed !== true,
  // Python's re.match anchors at the start; re.search does not.
  match: (v, [re, ignorecase]) => regexOf(`^(?:${String(re)})`, 'match', toBool(ignorecase ?? false) ? 'mi' : 'm').test(String(v ?? '')),
  search: (v, [re, ignorecase]) => regexOf(re, 'search', toBool(ignorecase ?? false) ? 'mi' : 'm').test(String(v ?? '')),
  regex: (v, [re]) => regexOf(re, 'regex', 'm').test(String(v ?? '')),
  version: (v, [other, op]) => versionTest(v, other, op ?? '=='),
  version_compare: (v, [other, op]) => versionTest(v, other, op ?? '=='),
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  equalto: (v, [x]) => deepEqual(v, x),
  '==': (v, [x]) => deepEqual(v, x),
  '!=': (v, [x]) => !deepEqual(v, x),
  gt: (v, [x]) => compare(v, x) > 0,
  ge: (v, [x]) => compare(v, x) >= 0,
  lt: (v, [x]) => compare(v, x) < 0,
  le: (v, [x]) => compare(v, x) <= 0,
  greaterthan: (v, [x]) => compare(v, x) > 0,
  lessthan: (v, [x]) => compare(v, x) < 0,
  sameas: (v, [x]) => v === x,
  contains: (v, [x]) => contains(v, x),
  subset: (v, [x]) => asList(v, 'subset').every((e) => contains(x, e)),
  superset: (v, [x]) => asList(x, 'superset').every((e) => contains(v, e)),
  callable: () => false,
  abs: (v) => typeof v === 'string' && v.startsWith('/'),
  any: (v) => asList(v, 'any').some(truthy),
  all: (v) => asList(v, 'all').every(truthy),
  finished: (v) => registered(v, 'finished').finished !== 0,
  started: (v) => registered(v, 'started').started === 1,
};


/** A template helper used as a filter: `x | b64encode` is `{{b64encode x}}`. */
function viaHelper(name: string): Fn {
  const helper = HELPERS[name]!;
  return (input, args, kw) => helper(input, ...args, { hash: kw });
}

/** `x | <filter>(args)`; every pure template helper is a filter too, so both languages agree. */
export const FILTERS: Record<string, Fn> = {
  ...Object.fromEntries(
    Object.keys(HELPERS)
      .filter((n) => !['lookup', 'and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'ternary', 'dict', 'mandatory', 'defined', 'undefined'].includes(n))
      .map((n) => [n, viaHelper(n)]),
  ),
  default: (v, [fallback, falsy]) => (v === undefined || v === null || (toBool(falsy ?? false) && !truthy(v)) ? fallback : v),
  d: (v, [fallback, falsy]) => (v === undefined || v === null || (toBool(falsy ?? false) && !truthy(v)) ? fallback : v),
  bool: (v) => toBool(v),
  int: (v) => toInt(v),
  float: (v) => toFloat(v),
  length: (v) => lengthOf(v),
  count: (v) => lengthOf(v),
  string: (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
  list: (v) => (Array.isArray(v) ? v : typeof v === 'string' ? [...v] : isPlainObject(v) ? Object.keys(v) : [v]),
  abs: (v) => Math.abs(toFloat(v)),
  min: (v) => minMax(v, -1),
  max: (v) => minMax(v, 1),
  sum: (v) => (Array.isArray(v) ? v.reduce((a: number, b) => a + toFloat(b), 0) : 0),
  select: (v, [test, ...args], _kw, env) => selectReject(v, test, args, true, undefined, env),
  reject: (v, [test, ...args], _kw, env) => selectReject(v, test, args, false, undefined, env),
  selectattr: (v, [attr, test, ...args], _kw, env) => selectReject(v, test, args, true, String(attr), env),
  rejectattr: (v, [attr, test, ...args], _kw, env) => selectReject(v, test, args, false, String(attr), env),
  map: (v, [name, ...args], kw, env) => mapFilter(v, name, args, kw, env),
  extract: (v, [container, morekeys]) => {
    let cur = lookupMember(container, v);
    if (!cur.ok) throw new TypeError(`extract: ${JSON.stringify(v)} is not in the container`);
    for (const k of morekeys === undefined ? [] : Array.isArray(morekeys) ? morekeys : [morekeys]) {
      cur = cur.ok ? lookupMember(cur.value, k) : cur;
      if (!cur.ok) return undefined;
    }
    return cur.value;
  },
  ...ANSIBLE_FILTERS,
  // Ansible's mandatory(msg): the message, when given, is the error
  mandatory: (v, [msg], kw) => {
    const message = msg ?? kw['msg'];
    if (v === undefined) throw new TypeError(message !== undefined && message !== null ? String(message) : 'a mandatory variable is not defined');
    return v;
  },
};

function minMax(v: unknown, sign: number): unknown {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  return v.reduce((best, x) => (compare(x, best) * sign > 0 ? x : best));
}

function selectReject(v: unknown, test: unknown, args: unknown[], keep: boolean, attr: string | undefined, env: EvalEnv): unknown[] {
  const items = asList(v, attr === undefined ? 'select/reject' : 'selectattr/rejectattr');
  const value = (x: unknown) => (attr === undefined ? x : attrPath(x, attr));
  if (test === undefined) return items.filter((x) => truthy(value(x)) === keep);
  const name = shortTestName(String(test));
  const fn = Object.hasOwn(TESTS, name) ? TESTS[name] : undefined;
  if (!fn) throw new TypeError(`unknown test '${String(test)}'`);
  return items.filter((x) => Boolean(fn(value(x), args, {}, env)) === keep);
}

function shortTestName(name: string): string {
  return name.replace(/^(ansible\.builtin|ansible\.utils|community\.general|ansible\.netcommon)\./, '');
}

/** Jinja's map: `map('filter', args…)` applies a filter, `map(attribute='a.b', default=x)` plucks. */
function mapFilter(v: unknown, name: unknown, args: unknown[], kw: Kw, env: EvalEnv): unknown[] {
  const items = asList(v, 'map');
  if (name === undefined) {
    if (kw['attribute'] === undefined) throw new TypeError("map needs a filter name or attribute='…'");
    const attr = String(kw['attribute']);
    return items.map((x) => {
      const found = attrPath(x, attr);
      if (found !== undefined) return found;
      if (Object.hasOwn(kw, 'default')) return kw['default'];
      throw new TypeError(`map: an item has no attribute '${attr}'`);
    });
  }
  const filter = shortTestName(String(name));
  if (Object.hasOwn(FILTERS, filter)) return items.map((x) => FILTERS[filter]!(x, args, kw, env));
  throw new TypeError(`map: unknown filter '${String(name)}' (to pluck an attribute write map(attribute='${String(name)}'))`);
}

/** `lookup(…)`, `query(…)`, `range(…)`, `dict(…)`. */
export const FUNCTIONS = ANSIBLE_FUNCTIONS;

/** `x.startswith('a')` and friends: Python string/dict methods that Ansible conditions often use. */
export const METHODS: Record<string, Fn> = {
  startswith: (v, [p]) => String(v).startsWith(String(p)),
  endswith: (v, [p]) => String(v).endsWith(String(p)),
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  strip: (v) => String(v).trim(),
  split: (v, [sep, maxsplit], kw, env) => ANSIBLE_FILTERS['split']!(v, [sep, kw['maxsplit'] ?? maxsplit], {}, env),
  keys: (v) => (isPlainObject(v) ? Object.keys(v) : []),
  values: (v) => (isPlainObject(v) ? Object.values(v) : []),
  items: (v) => (isPlainObject(v) ? Object.entries(v) : []),
  get: (v, [k, fallback]) => (isPlainObject(v) && Object.hasOwn(v, String(k)) ? v[String(k)] : (fallback ?? null)),
  rstrip: (v, [chars]) => (chars === undefined ? String(v).trimEnd() : String(v).replace(new RegExp(`[${escapeClass(String(chars))}]+$`), '')),
  lstrip: (v, [chars]) => (chars === undefined ? String(v).trimStart() : String(v).replace(new RegExp(`^[${escapeClass(String(chars))}]+`), '')),
  replace: (v, [a, b]) => String(v).split(String(a)).join(String(b)),
  join: (v, [items]) => asList(items, 'join').map(String).join(String(v)),
  find: (v, [sub]) => String(v).indexOf(String(sub)),
  count: (v, [sub]) => (Array.isArray(v) ? v.filter((x) => deepEqual(x, sub)).length : String(v).split(String(sub)).length - 1),
  index: (v, [sub]) => {
    const i = Array.isArray(v) ? v.findIndex((x) => deepEqual(x, sub)) : String(v).indexOf(String(sub));
    if (i < 0) throw new TypeError(`index: ${JSON.stringify(sub)} is not in the value`);
    return i;
  },
  isdigit: (v) => /^\d+$/.test(String(v)),
  isalpha: (v) => /^[A-Za-z]+$/.test(String(v)),
  splitlines: (v) => String(v).split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== ''),
  title: (v) => String(v).replace(/[A-Za-z]+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (v) => String(v).charAt(0).toUpperCase() + String(v).slice(1).toLowerCase(),
  format: (v, args, kw) => {
    let auto = 0;
    return String(v).replace(/\{(\w*)\}/g, (_m, i: string) => stringOf(i === '' ? args[auto++] : /^\d+$/.test(i) ? args[Number(i)] : kw[i]));
  },
};

function escapeClass(s: string): string {
  return s.replace(/[\]\\^-]/g, '\\$&');
}

/** Own data properties only: `x.constructor`, `x.__proto__`, `x.toString` are all undefined. */
export function lookupMember(obj: unknown, key: unknown): { ok: true; value: unknown } | { ok: false } {
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const i = key < 0 ? obj.length + key : key;
      return i >= 0 && i < obj.length ? { ok: true, value: obj[i] } : { ok: false };
    }
    if (typeof key === 'string' && /^\d+$/.test(key)) return lookupMember(obj, Number(key));
    return { ok: false };
  }
  if (isPlainObject(obj)) {
    const k = String(key);
    if (!Object.hasOwn(obj, k)) return { ok: false };
    const desc = Object.getOwnPropertyDescriptor(obj, k);
    if (desc && !('value' in desc)) return { ok: false }; // accessors are JavaScript, not data
    const value = obj[k];
    return typeof value === 'function' ? { ok: false } : { ok: true, value };
  }
  return { ok: false };
}

export function stringOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
