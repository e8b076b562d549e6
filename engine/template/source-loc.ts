/** Locations inside a template or condition: the YAML value's location plus an offset into its text. */
import { readFileSync } from 'node:fs';
import type { SourceLoc } from '../errors.ts';

/**
 * The location of `offset` in `source`, given where the YAML scalar holding `source` starts. Exact
 * for plain and quoted one-line scalars; for multi-line values the line is exact, the column best-effort.
 */
export function locAt(loc: SourceLoc | undefined, source: string, offset: number): SourceLoc | undefined {
  if (!loc) return loc;
  // A quoted YAML scalar starts at its quote, one column before the text.
  if (startsWithQuote(loc, source)) loc = { ...loc, col: loc.col + 1 };
  const before = source.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  if (nl < 0) return { ...loc, col: loc.col + offset };
  return { ...loc, line: loc.line + (before.split('\n').length - 1), col: offset - nl };
}

/** Only on error paths (reads the file): is the character at loc a quote right before the text? */
function startsWithQuote(loc: SourceLoc, source: string): boolean {
  let line: string | undefined;
  try {
    line = readFileSync(loc.file, 'utf8').split(/\r?\n/)[loc.line - 1];
  } catch {
    return false;
  }
  if (line === undefined) return false;
  const quote = line[loc.col - 1];
  const head = source.split('\n')[0]!.slice(0, 20);
  return (quote === '"' || quote === "'") && head !== '' && line.startsWith(head, loc.col);
}
