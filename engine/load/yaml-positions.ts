/**
 * Where each key, value and item of the YAML we loaded was written. Positions live in a WeakMap
 * keyed by the constructed objects (yaml.ts records them while parsing), so any part of the loader
 * can ask "where is this?" of a plain value without threading a document around.
 */
import type { SourceLoc } from '../errors.ts';

export interface NodePositions {
  loc: SourceLoc;
  keys: Map<string, { key: SourceLoc; value: SourceLoc }>;
  items: SourceLoc[];
}

const positions = new WeakMap<object, NodePositions>();

/** Record where a mapping or sequence was written (the first record of an object wins: aliases). */
export function rememberPositions(node: unknown, pos: NodePositions): void {
  if (isObject(node) && !positions.has(node)) positions.set(node, pos);
}

/** Where a mapping or sequence starts; undefined for values that did not come from YAML. */
export function nodeLoc(node: unknown): SourceLoc | undefined {
  return isObject(node) ? positions.get(node)?.loc : undefined;
}

/** Where `key` is written in the mapping `obj`; falls back to the mapping itself. */
export function keyLoc(obj: unknown, key: string): SourceLoc | undefined {
  if (!isObject(obj)) return undefined;
  const p = positions.get(obj);
  return p?.keys.get(key)?.key ?? p?.loc;
}

/** Where the value of `key` starts in the mapping `obj`; falls back to the key, then the mapping. */
export function valueLoc(obj: unknown, key: string): SourceLoc | undefined {
  if (!isObject(obj)) return undefined;
  const p = positions.get(obj);
  return p?.keys.get(key)?.value ?? p?.loc;
}

/** Where item `index` of a sequence starts; falls back to the sequence. */
export function itemLoc(arr: unknown, index: number): SourceLoc | undefined {
  if (!isObject(arr)) return undefined;
  const p = positions.get(arr);
  return p?.items[index] ?? p?.loc;
}

/**
 * The location of the value (or, with `key`, the key) at a JSON-pointer-like path below root.
 * Used to place ajv errors. Walks as deep as the path exists and stops at the deepest known node.
 */
export function locAtPath(root: unknown, path: (string | number)[], want: 'key' | 'value' = 'value'): SourceLoc | undefined {
  let node: unknown = root;
  let best = nodeLoc(root);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (Array.isArray(node)) {
      const idx = Number(seg);
      best = itemLoc(node, idx) ?? best;
      node = node[idx];
    } else if (isObject(node)) {
      const key = String(seg);
      best = (last && want === 'key' ? keyLoc(node, key) : valueLoc(node, key)) ?? best;
      node = (node as Record<string, unknown>)[key];
    } else break;
  }
  return best;
}

export function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/**
 * Give a rewritten mapping the positions of the one it was made from (e.g. `action: copy …`
 * rewritten to `copy: …`); `renamed` maps new keys to the original keys they stand for.
 */
export function copyPositions(from: object, to: object, renamed: Record<string, string> = {}): void {
  const src = positions.get(from);
  if (!src) return;
  const keys = new Map(src.keys);
  for (const [newKey, oldKey] of Object.entries(renamed)) {
    const p = src.keys.get(oldKey);
    if (p) keys.set(newKey, p);
  }
  positions.set(to, { loc: src.loc, keys, items: src.items });
}

/**
 * Positions for a mapping merged from `sources` (later ones win, as Object.assign does): each key
 * keeps the position it has in the source its value came from; a key whose winning source came
 * from no YAML has none, and asking for it gives `loc`.
 */
export function mergePositions(to: object, sources: readonly unknown[], loc: SourceLoc): void {
  const keys = new Map<string, { key: SourceLoc; value: SourceLoc }>();
  for (const s of sources) {
    if (!isObject(s)) continue;
    const p = positions.get(s);
    for (const k of Object.keys(s)) {
      const at = p?.keys.get(k);
      if (at) keys.set(k, at);
      else keys.delete(k);
    }
  }
  if (keys.size > 0) positions.set(to, { loc, keys, items: [] });
}
