/**
 * Terminal hygiene: text from hosts (command output, file contents in diffs, messages) is printed
 * with its control characters escaped, so a host cannot retitle, clear or rewrite the operator's
 * terminal, nor fake output lines with a carriage return. `\n` and `\t` stay; every other C0
 * character, DEL, the C1 range, the line/paragraph separators and the bidirectional overrides
 * (which can reorder what is shown) are written as `\x1b`, `\r`, `\u202e`. The JSON stream keeps the
 * real characters (JSON escapes them itself).
 */

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HAS_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const NAMED: Record<string, string> = { '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\0' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A string with its terminal control characters shown as escapes (the same string when it has none). */
export function escapeControl(s: string): string {
  return HAS_UNSAFE.test(s) ? s.replace(UNSAFE, escapeChar) : s;
}

/** Every string inside a value (keys too) escaped; copy on write, so a clean value is returned as it is. */
export function escapeDeep<T>(v: T): T {
  return walk(v, new Map()) as T;
}

function walk(v: unknown, memo: Map<object, unknown>): unknown {
  if (typeof v === 'string') return escapeControl(v);
  if (v === null || typeof v !== 'object') return v;
  if (memo.has(v)) return memo.get(v);
  memo.set(v, v);
  let out: unknown = v;
  if (Array.isArray(v)) {
    const items = v.map((x) => walk(x, memo));
    if (items.some((x, i) => x !== v[i])) out = items;
  } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
    let changed = false;
    const copy: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = escapeControl(k);
      const val = walk(x, memo);
      if (key !== k || val !== x) changed = true;
      Object.defineProperty(copy, key, { value: val, enumerable: true, writable: true, configurable: true });
    }
    if (changed) out = copy;
  }
  memo.set(v, out);
  return out;
}
