/**
 * The template helpers (docs/templates.md lists each with an example). Names follow Ansible's
 * filters so that a Jinja `{{ x | b64encode }}` becomes `{{b64encode x}}`.
 * Helpers are pure functions of their arguments, except `lookup 'file'|'env'`, which read the
 * controller (as in Ansible, lookups run on the controller, never on the target).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, posix, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { KplayError } from '../errors.ts';
import { quote } from '../transport/quote.ts';
import { cidrContains, cidrHost, cidrNetwork, cidrOverlap, ipAddr, ipWrap } from './cidr.ts';
import {
  setOwn,
  compare,
  contains,
  deepEqual,
  isPlainObject,
  lengthOf,
  range,
  toBool,
  toFloat,
  toInt,
  truthy,
  typeName,
} from './values.ts';
import type { RenderContext } from './render.ts';
import { ANSIBLE_FILTERS } from './filters/index.ts';

/** What Handlebars passes as the last argument of every helper. */
export interface HelperOptions {
  hash: Record<string, unknown>;
  data?: { kplay?: { ctx: RenderContext }; root?: unknown } & Record<string, unknown>;
  fn?: (context: unknown) => string;
  inverse?: (context: unknown) => string;
  name?: string;
}

type Helper = (...args: unknown[]) => unknown;

/** Split Handlebars' trailing options argument from the real ones. */
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

/** Wrap a fixed-arity function of positional params. */
function pure(fn: (...params: unknown[]) => unknown): Helper {
  return (...args: unknown[]) => fn(...split(args).params);
}

function str(v: unknown, helper: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === undefined || v === null) return '';
  throw new TypeError(`${helper} needs a string, got a ${typeName(v)}`);
}

function list(v: unknown, helper: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  throw new TypeError(`${helper} needs a list, got a ${typeName(v)}`);
}

/** Python's re backreferences (\1, \g<name>) in JS replacement syntax. */
function pythonReplacement(s: string): string {
  return s
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`))
    .replace(/\\(\d+)/g, (_m, d: string) => `$${d}`);
}

function regex(pattern: unknown, helper: string, flags = ''): RegExp {
  try {
    return new RegExp(str(pattern, helper), flags);
  } catch (err) {
    throw new TypeError(`${helper}: bad regular expression: ${(err as Error).message}`);
  }
}

function lookupPlugin(kind: string, args: unknown[], options: HelperOptions): unknown {
  const ctx = options.data?.kplay?.ctx ?? {};
  if (kind === 'env') return process.env[str(args[0], 'lookup env')] ?? '';
  // kind === 'file'
  const name = str(args[0], 'lookup file');
  const path = isAbsolute(name) ? name : resolve(ctx.baseDir ?? process.cwd(), name);
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch {
    throw new KplayError('KPLAY_FILE_NOT_FOUND', `lookup 'file': cannot read ${path}`, { loc: ctx.loc });
  }
}

const LOOKUP_PLUGINS = new Set(['file', 'env']);


function indent(text: unknown, width: unknown, options: HelperOptions): string {
  const pad = typeof width === 'string' ? width : ' '.repeat(width === undefined ? 4 : toInt(width));
  const first = toBool(options.hash.first ?? false);
  const blank = toBool(options.hash.blank ?? false);
  return str(text, 'indent')
    .split('\n')
    .map((line, i) => ((i === 0 && !first) || (line === '' && !blank) ? line : pad + line))
    .join('\n');
}

function pluck(items: unknown, attr: unknown): unknown[] {
  const key = str(attr, 'map');
  return list(items, 'map').map((item) => {
    if (isPlainObject(item) && Object.hasOwn(item, key)) return item[key];
    throw new TypeError(`map: an item has no attribute '${key}'`);
  });
}

function safeGet(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null) return undefined;
  const k = String(key);
  if (Array.isArray(obj) || isPlainObject(obj) || typeof obj === 'string') {
    return Object.hasOwn(obj as object, k) ? (obj as Record<string, unknown>)[k] : undefined;
  }
  return undefined;
}

/** Shallow merge that copies a `__proto__` key (from from_json) as data instead of setting a prototype. */
function safeMerge(objects: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of objects) {
    for (const k of Object.keys(o)) setOwn(out, k, o[k]);
  }
  return out;
}

export const HELPERS: Record<string, Helper> = {
  default(...args) {
    const { params } = split(args);
    const [value, fallback, falsy] = params;
    if (value === undefined || value === null) return fallback;
    if (toBool(falsy ?? false) && !truthy(value)) return fallback;
    return value;
  },
  defined: pure((v) => v !== undefined),
  undefined: pure((v) => v === undefined),
  mandatory(...args) {
    const { params } = split(args);
    if (params[0] === undefined) throw new TypeError(params[1] !== undefined ? str(params[1], 'mandatory') : 'a mandatory variable is not defined');
    return params[0];
  },
  eq: pure((a, b) => deepEqual(a, b)),
  ne: pure((a, b) => !deepEqual(a, b)),
  lt: pure((a, b) => compare(a, b) < 0),
  le: pure((a, b) => compare(a, b) <= 0),
  gt: pure((a, b) => compare(a, b) > 0),
  ge: pure((a, b) => compare(a, b) >= 0),
  and: (...args) => split(args).params.every(truthy),
  or: (...args) => split(args).params.some(truthy),
  not: pure((v) => !truthy(v)),
  ternary: pure((cond, yes, no) => (truthy(cond) ? yes : no)),

  join: pure((items, sep) => list(items, 'join').map((x) => str(x, 'join')).join(sep === undefined ? '' : str(sep, 'join'))),
  split: pure((s, sep) => (sep === undefined ? str(s, 'split').trim().split(/\s+/).filter(Boolean) : str(s, 'split').split(str(sep, 'split')))),
  lookup(...args) {
    const { params, options } = split(args);
    const [first, ...rest] = params;
    // `lookup 'file' path` / `lookup 'env' NAME` are Ansible lookups; `lookup obj key` stays Handlebars' own.
    if (typeof first === 'string' && LOOKUP_PLUGINS.has(first)) return lookupPlugin(first, rest, options);
    return safeGet(first, rest[0]);
  },

  to_json: pure((v, indentBy) => JSON.stringify(v ?? null, null, indentBy === undefined ? undefined : toInt(indentBy))),
  to_nice_json: pure((v) => JSON.stringify(v ?? null, null, 4)),
  to_yaml: pure((v) => yaml.dump(v, { lineWidth: -1, noRefs: true }).replace(/\n$/, '')),
  to_nice_yaml: pure((v) => yaml.dump(v, { lineWidth: -1, noRefs: true, indent: 4 }).replace(/\n$/, '')),
  from_json: pure((s) => {
    try {
      return JSON.parse(str(s, 'from_json'));
    } catch (err) {
      throw new TypeError(`from_json: ${(err as Error).message}`);
    }
  }),
  from_yaml: pure((s) => yaml.load(str(s, 'from_yaml'))),
  b64encode: pure((s) => Buffer.from(str(s, 'b64encode'), 'utf8').toString('base64')),
  b64decode: pure((s) => Buffer.from(str(s, 'b64decode'), 'base64').toString('utf8')),
  sha256: pure((s) => createHash('sha256').update(str(s, 'sha256')).digest('hex')),
  sha1: pure((s) => createHash('sha1').update(str(s, 'sha1')).digest('hex')),
  md5: pure((s) => createHash('md5').update(str(s, 'md5')).digest('hex')),

  indent(...args) {
    const { params, options } = split(args);
    return indent(params[0], params[1], options);
  },
  upper: pure((s) => str(s, 'upper').toUpperCase()),
  lower: pure((s) => str(s, 'lower').toLowerCase()),
  capitalize: pure((s) => {
    const t = str(s, 'capitalize');
    return t.charAt(0).toUpperCase() + t.slice(1).toLowerCase();
  }),
  trim: pure((s) => str(s, 'trim').trim()),
  replace: pure((s, from, to) => str(s, 'replace').split(str(from, 'replace')).join(str(to, 'replace'))),
  regex_replace: pure((s, pattern, replacement) =>
    str(s, 'regex_replace').replace(regex(pattern, 'regex_replace', 'gm'), pythonReplacement(str(replacement ?? '', 'regex_replace'))),
  ),
  regex_search: pure((s, pattern) => str(s, 'regex_search').match(regex(pattern, 'regex_search', 'm'))?.[0] ?? ''),
  regex_findall: pure((s, pattern) => [...str(s, 'regex_findall').matchAll(regex(pattern, 'regex_findall', 'gm'))].map((m) => m[1] ?? m[0])),
  basename: pure((s) => posix.basename(str(s, 'basename'))),
  dirname: pure((s) => posix.dirname(str(s, 'dirname'))),
  quote: pure((s) => quote(str(s, 'quote'))),
  startswith: pure((s, prefix) => str(s, 'startswith').startsWith(str(prefix, 'startswith'))),
  endswith: pure((s, suffix) => str(s, 'endswith').endsWith(str(suffix, 'endswith'))),
  contains: pure((container, item) => contains(container, item)),

  length: pure((v) => lengthOf(v)),
  first: pure((v) => (typeof v === 'string' ? v.charAt(0) : list(v, 'first')[0])),
  last: pure((v) => (typeof v === 'string' ? v.charAt(v.length - 1) : list(v, 'last').at(-1))),
  concat: (...args) => split(args).params.flatMap((p) => (Array.isArray(p) ? p : p === undefined || p === null ? [] : [p])),
  list: (...args) => split(args).params,
  // Handlebars builds the hash from its last pair to its first: restore the order of the source.
  dict: (...args) => Object.fromEntries(Object.entries(split(args).options.hash).reverse()),
  combine: (...args) => safeMerge(split(args).params.filter(isPlainObject)),
  keys: pure((o) => (isPlainObject(o) ? Object.keys(o) : [])),
  values: pure((o) => (isPlainObject(o) ? Object.values(o) : [])),
  dict2items: pure((o) => (isPlainObject(o) ? Object.entries(o).map(([key, value]) => ({ key, value })) : [])),
  unique: pure((v) => list(v, 'unique').filter((x, i, all) => all.findIndex((y) => deepEqual(x, y)) === i)),
  sort: pure((v) => [...list(v, 'sort')].sort(compare)),
  reverse: pure((v) => (typeof v === 'string' ? [...v].reverse().join('') : [...list(v, 'reverse')].reverse())),
  flatten: pure((v) => list(v, 'flatten').flat(Infinity)),
  map: pure((items, attr) => pluck(items, attr)),
  range: pure((a, b, c) => range(a, b, c)),
  cidr_host: pure((cidr, n) => cidrHost(cidr, n)),
  cidr_contains: pure((cidr, inner) => cidrContains(cidr, inner)),
  cidr_overlap: pure((a, b) => cidrOverlap(a, b)),
  cidr_network: pure((cidr) => cidrNetwork(cidr)),
  ipwrap: pure((v) => ipWrap(v)),
  ipaddr: pure((v) => ipAddr(v)),
  int: pure((v) => toInt(v)),
  float: pure((v) => toFloat(v)),
  bool: pure((v) => toBool(v)),
  string: pure((v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))),
  add: pure((a, b) => toFloat(a) + toFloat(b)),
  sub: pure((a, b) => toFloat(a) - toFloat(b)),
  mul: pure((a, b) => toFloat(a) * toFloat(b)),
  div: pure((a, b) => toFloat(a) / toFloat(b)),
  mod: pure((a, b) => toFloat(a) % toFloat(b)),
};

/**
 * Ansible's filters that have no helper of their own are helpers too, with the same arguments:
 * `{{items2dict pairs key_name='k'}}` is `{{ pairs | items2dict(key_name='k') }}`. Existing helpers
 * keep their meaning (docs/templates.md lists where a helper and the filter of one name differ).
 */
for (const [name, filter] of Object.entries(ANSIBLE_FILTERS)) {
  if (Object.hasOwn(HELPERS, name) && name !== 'ipaddr') continue;
  HELPERS[name] = (...args: unknown[]) => {
    const { params, options } = split(args);
    return filter(params[0], params.slice(1), { ...(options.hash ?? {}) }, { baseDir: options.data?.kplay?.ctx.baseDir });
  };
}

/** Names that Handlebars itself provides as block helpers; documented alongside ours. */
export const BUILTIN_BLOCK_HELPERS = ['if', 'unless', 'each', 'with', 'log'] as const;

/** Helpers whose first argument may be undefined without strict mode failing first. */
export const SOFT_FIRST_ARG = new Set(['default', 'defined', 'undefined', 'mandatory']);
