/**
 * Ansible's filters with Ansible's signatures (positional and keyword arguments), for `{{ … }}`
 * expressions and conditions. Where a filter here and the Handlebars helper of the same name could
 * disagree, this file follows Ansible 2.14 (the corpus test test/unit/template/ansible-corpus.test.ts
 * compares with what Ansible computes); docs/templates.md lists the differences that remain.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, posix, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { KplayError } from '../errors.ts';
import { ipaddrQuery, ipMath, ipWrap, nthHost } from './cidr.ts';
import { compare, deepEqual, isPlainObject, range, setOwn, toBool, toFloat, toInt, truthy, typeName } from './values.ts';

/** What an expression can reach outside its variables: the controller's files, for lookups. */
export interface EvalEnv {
  /** Directory a relative `lookup('file', …)` path is resolved against. */
  baseDir?: string;
  /** Render a template file (Handlebars) with the current variables, for `lookup('template', …)`. */
  renderTemplate?: (path: string) => string;
}

export type Kw = Record<string, unknown>;
export type Filter = (input: unknown, args: unknown[], kw: Kw, env: EvalEnv) => unknown;

export function asList(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isPlainObject(v)) return Object.keys(v);
  if (v === undefined || v === null) throw new TypeError(`${what} needs a list, got ${v === null ? 'none' : 'an undefined value'}`);
  throw new TypeError(`${what} needs a list, got a ${typeName(v)}`);
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `a.b.0`: Jinja's attribute path (map(attribute=), sort(attribute=), selectattr). */
export function attrPath(item: unknown, path: string): unknown {
  let cur = item;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^-?\d+$/.test(part)) cur = cur.at(Number(part));
    else if (isPlainObject(cur) && Object.hasOwn(cur, part)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

/** Python's re flags from Ansible's ignorecase= / multiline= arguments. */
function pyRegex(pattern: unknown, what: string, kw: Kw, extra = ''): RegExp {
  let flags = extra;
  if (toBool(kw['ignorecase'] ?? false)) flags += 'i';
  if (toBool(kw['multiline'] ?? false)) flags += 'm';
  let src = text(pattern);
  // Python's named groups (?P<name>…) and backreferences (?P=name)
  src = src.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new TypeError(`${what}: bad regular expression: ${(err as Error).message}`);
  }
}

/** Python's replacement syntax (\1, \g<name>) for a JS replace. */
function pyReplacement(s: string): string {
  return s
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`))
    .replace(/\\(\d+)/g, (_m, d: string) => `$${d}`)
    .replace(/\\n/g, '\n')
    .replace(/\\\\/g, '\\');
}

function regexSearch(v: unknown, [pattern, ...groups]: unknown[], kw: Kw): unknown {
  const m = pyRegex(pattern, 'regex_search', kw).exec(text(v));
  if (!m) return null;
  if (groups.length === 0) return m[0];
  return groups.map((g) => {
    const s = text(g);
    const num = /^\\(\d+)$/.exec(s);
    if (num) return m[Number(num[1])] ?? null;
    const named = /^\\g<(\w+)>$/.exec(s);
    if (named) return /^\d+$/.test(named[1]!) ? (m[Number(named[1])] ?? null) : (m.groups?.[named[1]!] ?? null);
    throw new TypeError(`regex_search: unknown group argument '${s}' (use '\\\\1' or '\\\\g<name>')`);
  });
}

function regexFindall(v: unknown, [pattern]: unknown[], kw: Kw): unknown[] {
  const re = pyRegex(pattern, 'regex_findall', kw, 'g');
  return [...text(v).matchAll(re)].map((m) => (m.length <= 1 ? m[0] : m.length === 2 ? m[1] : m.slice(1)));
}

function pyJsonValue(v: unknown, indent: number | undefined, sortKeys: boolean, level: number): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  const items: string[] = [];
  const pad = indent === undefined ? '' : `\n${' '.repeat(indent * (level + 1))}`;
  const end = indent === undefined ? '' : `\n${' '.repeat(indent * level)}`;
  const sep = indent === undefined ? ', ' : ',';
  if (Array.isArray(v)) {
    for (const x of v) items.push(pyJsonValue(x, indent, sortKeys, level + 1));
    return items.length ? `[${pad}${items.join(sep + pad)}${end}]` : '[]';
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (sortKeys) keys.sort();
    for (const k of keys) items.push(`${JSON.stringify(k)}: ${pyJsonValue(v[k], indent, sortKeys, level + 1)}`);
    return items.length ? `{${pad}${items.join(sep + pad)}${end}}` : '{}';
  }
  return JSON.stringify(String(v));
}

/** json.dumps as Ansible's to_json calls it (", " and ": " separators; indent= and sort_keys=). */
export function pyJson(v: unknown, indent?: number, sortKeys = false): string {
  return pyJsonValue(v, indent, sortKeys, 0);
}

function toYaml(v: unknown, kw: Kw, nice: boolean): string {
  const indent = kw['indent'] === undefined ? (nice ? 4 : 2) : toInt(kw['indent']);
  return yaml.dump(v ?? null, { lineWidth: -1, noRefs: true, indent, sortKeys: nice || toBool(kw['sort_keys'] ?? false) });
}

/** Ansible's combine: later dicts win; recursive=True merges nested dicts; list_merge= as Ansible. */
function combine(dicts: unknown[], kw: Kw): Record<string, unknown> {
  const recursive = toBool(kw['recursive'] ?? false);
  const listMerge = String(kw['list_merge'] ?? 'replace');
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(a)) setOwn(out, k, a[k]);
    for (const k of Object.keys(b)) {
      const x = out[k];
      const y = b[k];
      if (recursive && Object.hasOwn(out, k) && isPlainObject(x) && isPlainObject(y)) setOwn(out, k, merge(x, y));
      else if (Array.isArray(x) && Array.isArray(y) && Object.hasOwn(out, k) && listMerge !== 'replace') {
        if (listMerge === 'keep') continue;
        if (listMerge === 'append') setOwn(out, k, [...x, ...y]);
        else if (listMerge === 'prepend') setOwn(out, k, [...y, ...x]);
        else if (listMerge === 'append_rp') setOwn(out, k, [...x.filter((e) => !y.some((f) => deepEqual(e, f))), ...y]);
        else if (listMerge === 'prepend_rp') setOwn(out, k, [...y, ...x.filter((e) => !y.some((f) => deepEqual(e, f)))]);
        else throw new TypeError(`combine: unknown list_merge '${listMerge}'`);
      } else setOwn(out, k, y);
    }
    return out;
  };
  const flat = dicts.flatMap((d) => (Array.isArray(d) ? d : [d]));
  return flat.reduce<Record<string, unknown>>((acc, d) => {
    if (!isPlainObject(d)) throw new TypeError(`combine needs dicts, got a ${typeName(d)}`);
    return merge(acc, d);
  }, {});
}

function uniq(items: unknown[]): unknown[] {
  return items.filter((x, i) => items.findIndex((y) => deepEqual(x, y)) === i);
}

function has(items: unknown[], x: unknown): boolean {
  return items.some((y) => deepEqual(x, y));
}

function flatten(v: unknown[], levels: number | undefined, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (Array.isArray(x) && (levels === undefined || levels > 0)) out.push(...flatten(x, levels === undefined ? undefined : levels - 1, skipNulls));
    else if (!(skipNulls && (x === null || x === undefined || x === 'None'))) out.push(x);
  }
  return out;
}

function sortKey(kw: Kw): (x: unknown) => unknown {
  const attribute = kw['attribute'];
  const caseSensitive = toBool(kw['case_sensitive'] ?? false);
  return (x) => {
    const v = attribute === undefined ? x : attrPath(x, String(attribute));
    return typeof v === 'string' && !caseSensitive ? v.toLowerCase() : v;
  };
}

function minMax(v: unknown, kw: Kw, sign: number): unknown {
  const items = asList(v, sign > 0 ? 'max' : 'min');
  if (items.length === 0) return undefined;
  const key = sortKey(kw);
  return items.reduce((best, x) => (compare(key(x), key(best)) * sign > 0 ? x : best));
}

function lookupPlugin(name: string, terms: unknown[], kw: Kw, env: EvalEnv): unknown[] {
  const plugin = name.replace(/^(ansible\.builtin|ansible\.legacy)\./, '');
  const flat = terms.flatMap((t) => (Array.isArray(t) ? t : [t]));
  switch (plugin) {
    case 'env':
      return flat.map((t) => process.env[text(t)] ?? (kw['default'] !== undefined ? kw['default'] : ''));
    case 'file':
      return flat.map((t) => {
        const p = isAbsolute(text(t)) ? text(t) : resolve(env.baseDir ?? process.cwd(), text(t));
        try {
          const content = readFileSync(p, 'utf8');
          return toBool(kw['rstrip'] ?? true) ? content.replace(/\s+$/, '') : content;
        } catch {
          throw new KplayError('KPLAY_FILE_NOT_FOUND', `lookup('file'): cannot read ${p}`);
        }
      });
    case 'template':
      return flat.map((t) => {
        if (!env.renderTemplate) throw new TypeError("lookup('template') is not available here");
        return env.renderTemplate(text(t));
      });
    case 'pipe':
      // as Ansible's pipe lookup: a command on the controller, its stdout without the final newline
      return flat.map((t) => execFileSync('/bin/sh', ['-c', text(t)], { encoding: 'utf8', cwd: env.baseDir }).replace(/\n$/, ''));
    case 'items':
    case 'flattened':
      return flatten(flat, undefined, false);
    case 'list':
      return terms;
    case 'indexed_items':
      return flat.map((x, i) => [i, x]);
    case 'dict': {
      const d = terms[0];
      if (!isPlainObject(d)) throw new TypeError("lookup('dict') needs a dict");
      return Object.entries(d).map(([key, value]) => ({ key, value }));
    }
    case 'sequence':
      throw new TypeError("lookup('sequence') is not supported: use range(start, end + 1)");
    default:
      throw new TypeError(`unknown lookup plugin '${name}' (kplay has env, file, template, pipe, items, list, indexed_items, dict)`);
  }
}

/** Jinja's/Ansible's global functions. */
export const FUNCTIONS: Record<string, (args: unknown[], kw: Kw, env: EvalEnv) => unknown> = {
  lookup: ([name, ...terms], kw, env) => {
    const r = lookupPlugin(text(name), terms, kw, env);
    if (toBool(kw['wantlist'] ?? false)) return r;
    // wantlist=False: one result as itself, several joined by commas (as Ansible)
    return r.length === 1 ? r[0] : r.map(text).join(',');
  },
  query: ([name, ...terms], kw, env) => lookupPlugin(text(name), terms, kw, env),
  q: ([name, ...terms], kw, env) => lookupPlugin(text(name), terms, kw, env),
  range: (args) => range(...(args as [unknown, unknown?, unknown?])),
  dict: (args, kw) => {
    const out: Record<string, unknown> = {};
    for (const pair of args.flatMap((a) => (isPlainObject(a) ? Object.entries(a) : Array.isArray(a) ? a : []))) {
      if (Array.isArray(pair)) setOwn(out, text(pair[0]), pair[1]);
    }
    for (const k of Object.keys(kw)) setOwn(out, k, kw[k]);
    return out;
  },
};

/** Filters that need Ansible's exact signature; the rest come from the Handlebars helpers. */
export const ANSIBLE_FILTERS: Record<string, Filter> = {
  // kplay: null counts as not set too (a YAML `x:` with no value), see docs/templates.md
  default: (v, [fallback = '', falsy]) => (v === undefined || v === null || (toBool(falsy ?? false) && !truthy(v)) ? fallback : v),
  d: (v, [fallback = '', falsy]) => (v === undefined || v === null || (toBool(falsy ?? false) && !truthy(v)) ? fallback : v),
  int: (v, [dflt = 0, base = 10], kw) => {
    const b = toInt(kw['base'] ?? base);
    if (typeof v === 'string') {
      const s = v.trim().replace(/_/g, '');
      const n = b === 10 ? (/^[+-]?\d+$/.test(s) ? Number(s) : /^[+-]?\d*\.?\d+(e[+-]?\d+)?$/i.test(s) ? Math.trunc(Number(s)) : NaN) : Number.parseInt(s.replace(/^0[xob]/i, ''), b);
      return Number.isNaN(n) ? toInt(kw['default'] ?? dflt) : n;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return toInt(v);
    return toInt(kw['default'] ?? dflt);
  },
  float: (v, [dflt = 0]) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    const n = typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : NaN;
    return Number.isNaN(n) ? toFloat(dflt) : n;
  },
  round: (v, [precision = 0, method = 'common']) => {
    const f = 10 ** toInt(precision);
    const x = toFloat(v) * f;
    const r = method === 'ceil' ? Math.ceil(x) : method === 'floor' ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return r / f;
  },
  ternary: (v, [yes, no, none]) => (v === null && none !== undefined ? none : truthy(v) ? yes : no),
  join: (v, [sep = ''], kw) => {
    const items = asList(v, 'join');
    const attr = kw['attribute'];
    return items.map((x) => text(attr === undefined ? x : attrPath(x, String(attr)))).join(text(kw['d'] ?? sep));
  },
  first: (v) => (typeof v === 'string' ? v.charAt(0) || undefined : asList(v, 'first')[0]),
  last: (v) => (typeof v === 'string' ? v.at(-1) : asList(v, 'last').at(-1)),
  min: (v, _a, kw) => minMax(v, kw, -1),
  max: (v, _a, kw) => minMax(v, kw, 1),
  sum: (v, [start = 0], kw) => {
    const attr = kw['attribute'];
    return asList(v, 'sum').reduce<unknown>((acc, x) => {
      const y = attr === undefined ? x : attrPath(x, String(attr));
      if (Array.isArray(acc) && Array.isArray(y)) return [...acc, ...y];
      return toFloat(acc) + toFloat(y);
    }, kw['start'] ?? start);
  },
  unique: (v) => uniq(asList(v, 'unique')),
  sort: (v, [reverse = false, caseSensitive = false, attribute], kw) => {
    const key = sortKey({ attribute, case_sensitive: caseSensitive, ...kw });
    const sorted = [...asList(v, 'sort')].sort((a, b) => compare(key(a), key(b)));
    return toBool(kw['reverse'] ?? reverse) ? sorted.reverse() : sorted;
  },
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...asList(v, 'reverse')].reverse()),
  list: (v) => asList(v, 'list'),
  flatten: (v, [levels], kw) => {
    const lv = kw['levels'] ?? levels;
    return flatten(asList(v, 'flatten'), lv === undefined || lv === null ? undefined : toInt(lv), toBool(kw['skip_nulls'] ?? true));
  },
  dict2items: (v, _a, kw) => {
    if (!isPlainObject(v)) throw new TypeError(`dict2items needs a dict, got a ${typeName(v)}`);
    const [kn, vn] = [text(kw['key_name'] ?? 'key'), text(kw['value_name'] ?? 'value')];
    return Object.entries(v).map(([key, value]) => ({ [kn]: key, [vn]: value }));
  },
  items2dict: (v, _a, kw) => {
    const [kn, vn] = [text(kw['key_name'] ?? 'key'), text(kw['value_name'] ?? 'value')];
    const out: Record<string, unknown> = {};
    for (const item of asList(v, 'items2dict')) {
      if (!isPlainObject(item) || !Object.hasOwn(item, kn) || !Object.hasOwn(item, vn)) throw new TypeError(`items2dict: every item needs '${kn}' and '${vn}'`);
      setOwn(out, text(item[kn]), item[vn]);
    }
    return out;
  },
  combine: (v, args, kw) => combine([v, ...args], kw),
  zip: (v, args) => {
    const lists = [v, ...args].map((l) => asList(l, 'zip'));
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
  },
  zip_longest: (v, args, kw) => {
    const lists = [v, ...args].map((l) => asList(l, 'zip_longest'));
    const n = Math.max(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : (kw['fillvalue'] ?? null))));
  },
  difference: (v, [other]) => uniq(asList(v, 'difference')).filter((x) => !has(asList(other, 'difference'), x)),
  intersect: (v, [other]) => uniq(asList(v, 'intersect')).filter((x) => has(asList(other, 'intersect'), x)),
  union: (v, [other]) => uniq([...asList(v, 'union'), ...asList(other, 'union')]),
  symmetric_difference: (v, [other]) => {
    const a = asList(v, 'symmetric_difference');
    const b = asList(other, 'symmetric_difference');
    return uniq([...a.filter((x) => !has(b, x)), ...b.filter((x) => !has(a, x))]);
  },
  product: (v, args) => [v, ...args].map((l) => asList(l, 'product')).reduce<unknown[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]),
  batch: (v, [size, fill]) => {
    const items = asList(v, 'batch');
    const n = toInt(size);
    if (n <= 0) throw new TypeError('batch needs a positive size');
    const out: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
    const lastBatch = out.at(-1);
    if (fill !== undefined && lastBatch) while (lastBatch.length < n) lastBatch.push(fill);
    return out;
  },
  regex_replace: (v, [pattern, replacement = ''], kw) => {
    const count = toInt(kw['count'] ?? 0);
    const re = pyRegex(pattern, 'regex_replace', kw, 'g');
    let done = 0;
    const repl = pyReplacement(text(replacement));
    return text(v).replace(re, (...m) => {
      if (count > 0 && done >= count) return m[0] as string;
      done++;
      return (m[0] as string).replace(new RegExp(re.source, re.flags.replace('g', '')), repl);
    });
  },
  regex_search: (v, args, kw) => regexSearch(v, args, kw),
  regex_findall: (v, args, kw) => regexFindall(v, args, kw),
  regex_escape: (v) => text(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
  replace: (v, [from, to, count]) => {
    let n = count === undefined ? Infinity : toInt(count);
    const s = text(v);
    const f = text(from);
    if (f === '') return s;
    return s.split(f).reduce((acc, part, i) => (i === 0 ? part : acc + (n-- > 0 ? text(to) : f) + part), '');
  },
  split: (v, [sep, maxsplit]) => {
    const s = text(v);
    if (sep === undefined || sep === null) return s.trim().split(/\s+/).filter(Boolean);
    const parts = s.split(text(sep));
    if (maxsplit === undefined || toInt(maxsplit) < 0) return parts;
    const m = toInt(maxsplit);
    return parts.length > m + 1 ? [...parts.slice(0, m), parts.slice(m).join(text(sep))] : parts;
  },
  title: (v) => text(v).replace(/[A-Za-z]+('[A-Za-z]+)?/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  center: (v, [width = 80]) => {
    const s = text(v);
    const w = toInt(width);
    if (s.length >= w) return s;
    const left = Math.floor((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  },
  wordcount: (v) => text(v).split(/\s+/).filter(Boolean).length,
  format: (v, args) => pyFormat(text(v), args),
  to_json: (v, _a, kw) => pyJson(v, kw['indent'] === undefined ? undefined : toInt(kw['indent']), toBool(kw['sort_keys'] ?? false)),
  to_nice_json: (v, _a, kw) => pyJson(v, toInt(kw['indent'] ?? 4), toBool(kw['sort_keys'] ?? true)),
  to_yaml: (v, _a, kw) => toYaml(v, kw, false),
  to_nice_yaml: (v, _a, kw) => toYaml(v, kw, true),
  from_yaml_all: (v) => yaml.loadAll(text(v)),
  splitext: (v) => {
    const s = text(v);
    const ext = posix.extname(s);
    return [s.slice(0, s.length - ext.length), ext];
  },
  expanduser: (v) => text(v).replace(/^~(?=\/|$)/, process.env['HOME'] ?? '~'),
  path_join: (v) => posix.join(...asList(v, 'path_join').map(text)),
  type_debug: (v) =>
    v === null ? 'NoneType' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : Array.isArray(v) ? 'list' : 'dict',
  ipaddr: (v, [query]) => ipaddrQuery(v, query ?? ''),
  ipv4: (v, [query]) => (ipaddrQuery(v, 'ipv4') === false ? false : ipaddrQuery(v, query ?? '')),
  ipv6: (v, [query]) => (ipaddrQuery(v, 'ipv6') === false ? false : ipaddrQuery(v, query ?? '')),
  ipwrap: (v) => (Array.isArray(v) ? v.map(ipWrap) : ipWrap(v)),
  ipmath: (v, [amount]) => ipMath(v, amount),
  nthhost: (v, [n]) => nthHost(v, n),
  subelements: (v, [path, skipMissing]) => {
    const out: unknown[] = [];
    for (const item of asList(v, 'subelements')) {
      const sub = attrPath(item, text(path));
      if (sub === undefined) {
        if (toBool(skipMissing ?? false)) continue;
        throw new TypeError(`subelements: an item has no '${text(path)}'`);
      }
      for (const s of asList(sub, 'subelements')) out.push([item, s]);
    }
    return out;
  },
};

/** Python's `'%s-%d' % (a, b)` as Jinja's format filter does it. */
function pyFormat(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(-?\d*)(?:\.(\d+))?([sdifxXr%])/g, (_m, width: string, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const a = args[i++];
    let s: string;
    if (conv === 'd' || conv === 'i') s = String(toInt(a));
    else if (conv === 'f') s = toFloat(a).toFixed(prec === undefined ? 6 : Number(prec));
    else if (conv === 'x') s = toInt(a).toString(16);
    else if (conv === 'X') s = toInt(a).toString(16).toUpperCase();
    else s = text(a);
    const w = Number(width || 0);
    return w < 0 ? s.padEnd(-w) : s.padStart(w);
  });
}
