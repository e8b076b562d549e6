/** Filters on lists: picking, ordering, flattening, set operations, zipping and batching. */
import { compare, deepEqual, toBool, toFloat, toInt } from '../values.ts';
import { asList, attrPath, text } from './inputs.ts';
import type { Filter, Kw } from './types.ts';

/** Unique by value (deepEqual), first occurrence kept, as Ansible's unique. */
function uniq(items: unknown[]): unknown[] {
  return items.filter((x, i) => items.findIndex((y) => deepEqual(x, y)) === i);
}

function has(items: unknown[], x: unknown): boolean {
  return items.some((y) => deepEqual(x, y));
}

/** Nested lists flattened `levels` deep (all when undefined); the lookups flatten their terms too. */
export function flatten(v: unknown[], levels: number | undefined, skipNulls: boolean): unknown[] {
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

export const LIST_FILTERS: Record<string, Filter> = {
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
