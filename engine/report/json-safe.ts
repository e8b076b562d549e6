/**
 * Registered results can hold anything a module put there: Buffers, bigints, Maps, class
 * instances, even cycles. Reporters must never throw on them, so values are normalised to plain
 * JSON data first.
 */
export function toJsonSafe(value: unknown): unknown {
  return walk(value, new WeakSet());
}

function walk(value: unknown, ancestors: WeakSet<object>): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const obj = value as object;
  if (Buffer.isBuffer(obj)) return obj.toString('utf8');
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof RegExp) return String(obj);
  if (ancestors.has(obj)) return '[Circular]';
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v) => walk(v, ancestors) ?? null);
    if (obj instanceof Map) return walkEntries([...obj.entries()].map(([k, v]) => [String(k), v]), ancestors);
    if (obj instanceof Set) return [...obj].map((v) => walk(v, ancestors) ?? null);
    if (obj instanceof Error) return { name: obj.name, message: obj.message };
    return walkEntries(Object.entries(obj), ancestors);
  } finally {
    ancestors.delete(obj);
  }
}

function walkEntries(entries: [string, unknown][], ancestors: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const w = walk(v, ancestors);
    if (w !== undefined) out[k] = w;
  }
  return out;
}
