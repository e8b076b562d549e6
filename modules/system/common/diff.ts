/** Diffs of file content: text up to 1 MiB; binary or bigger content gets a summary instead. */
import type { Diff } from '../../api.ts';

export const MAX_DIFF_BYTES = 1024 * 1024;

export function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8192).includes(0);
}

/** A unified-diff pair, or undefined when the content should not be shown as text. */
export function contentDiff(path: string, before: Buffer | string | undefined, after: Buffer | string): Diff | undefined {
  const a = typeof after === 'string' ? Buffer.from(after) : after;
  const b = before === undefined ? Buffer.alloc(0) : typeof before === 'string' ? Buffer.from(before) : before;
  if (a.length > MAX_DIFF_BYTES || b.length > MAX_DIFF_BYTES || isBinary(a) || isBinary(b)) return undefined;
  return { path, before: b.toString('utf8'), after: a.toString('utf8') };
}

/** The one-line diff of a property: `mode: 0644 → 0600`. */
export function lineDiff(label: string, before: string, after: string): Diff {
  return { before: `${label}: ${before}\n`, after: `${label}: ${after}\n` };
}
