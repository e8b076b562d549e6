/** How filters read their input and arguments: as a list, as text, or an attribute of an item. */
import { isPlainObject, typeName } from '../values.ts';

export function asList(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isPlainObject(v)) return Object.keys(v);
  if (v === undefined || v === null) throw new TypeError(`${what} needs a list, got ${v === null ? 'none' : 'an undefined value'}`);
  throw new TypeError(`${what} needs a list, got a ${typeName(v)}`);
}

export function text(v: unknown): string {
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
