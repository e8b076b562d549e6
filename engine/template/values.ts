/**
 * Value semantics shared by the Handlebars helpers and the condition language, so that
 * `{{#if (eq a b)}}` and `when: a == b` can never disagree.
 */

/** Jinja/Python truthiness: empty strings, lists and dicts, 0, null and undefined are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** Ansible's `| bool`: 'yes', 'on', 'true', '1' (any case) and true/1 are true. */
export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['yes', 'on', 'true', '1', 'y', 't'].includes(v.trim().toLowerCase());
  return false;
}

/** Ansible's `| int`: leading integer of a string, 0 when there is none (Jinja does not fail). */
export function toInt(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number.parseInt(v.trim(), 10);
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

export function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number.parseFloat(v.trim());
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** Length of a string, list or dict; anything else has no length. */
export function lengthOf(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isPlainObject(v)) return Object.keys(v).length;
  if (v === undefined || v === null) return 0;
  throw new TypeError(`a ${typeName(v)} has no length`);
}

/** `obj[key] = value`, except that a `__proto__` key stays data instead of replacing the prototype. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (isPlainObject(v)) return 'dict';
  return typeof v;
}

/** Structural equality (lists and dicts compare by content), as Jinja's `==`. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** `<`, `>` …: numbers with numbers, strings with strings; anything else is a type error (as in Python 3). */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' || typeof b === 'boolean') return compare(Number(a), Number(b));
  throw new TypeError(`cannot compare ${typeName(a)} with ${typeName(b)}`);
}

/** Jinja's `in`: substring of a string, member of a list, key of a dict. */
export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return typeof item === 'string' ? container.includes(item) : container.includes(String(item));
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (isPlainObject(container)) return typeof item === 'string' && Object.hasOwn(container, item);
  if (container === undefined || container === null) return false;
  throw new TypeError(`'in' needs a string, list or dict, not a ${typeName(container)}`);
}

/**
 * How a value reads inside a larger string: scalars as themselves, lists and dicts as JSON
 * (a config file wants `["a","b"]`, never `a,b` or `[object Object]`).
 */
export function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) || isPlainObject(v)) return JSON.stringify(v);
  return String(v);
}

/**
 * Compare dotted versions like Ansible's `version` test: numeric parts numerically, others as
 * strings; `1.2` equals `1.2.0`.
 */
export function compareVersions(a: string, b: string): number {
  const pa = splitVersion(a);
  const pb = splitVersion(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y;
    } else if (String(x) !== String(y)) {
      // A numeric part sorts after a textual one (1.0 > 1.0rc1 is approximated by 0 > 'rc').
      if (typeof x === 'number') return 1;
      if (typeof y === 'number') return -1;
      return String(x) < String(y) ? -1 : 1;
    }
  }
  return 0;
}

function splitVersion(v: string): (number | string)[] {
  const parts = v.trim().replace(/^v/i, '').split(/[.\-+_]|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/i);
  const out = parts.filter((p) => p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p.toLowerCase()));
  while (out.length > 1 && out[out.length - 1] === 0) out.pop();
  return out;
}

const VERSION_OPERATORS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

/** Ansible's `version(other, op)` test. */
export function versionTest(a: unknown, b: unknown, op: unknown = '=='): boolean {
  const check = VERSION_OPERATORS[String(op)];
  if (!check) throw new TypeError(`unknown version operator '${String(op)}' (use one of < <= > >= == !=)`);
  return check(compareVersions(String(a), String(b)));
}

/** `[start, stop)` by step, as Python's range. */
export function range(a: unknown, b?: unknown, c?: unknown): number[] {
  const [start, stop, step] = b === undefined ? [0, toInt(a), 1] : [toInt(a), toInt(b), c === undefined ? 1 : toInt(c)];
  if (step === 0) throw new TypeError('range step must not be 0');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i);
    if (out.length > 100_000) throw new TypeError('range is too long (more than 100000 items)');
  }
  return out;
}
