/**
 * Turning a change's {path, before, after} into text. One module decides what a diff looks like,
 * so the console and --json show the same thing.
 */
import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';
import type { Diff } from '../../modules/api.ts';

export type RenderedDiff =
  /** `before → after`, for values that fit on one line (a mode, a sysctl value, a one-line file). */
  | { kind: 'inline'; text: string }
  /** Header and hunk lines of a unified diff, without trailing newlines; tooLarge: a note instead of hunks. */
  | { kind: 'unified'; lines: string[]; tooLarge?: boolean }
  /** Nothing to show (before equals after). */
  | { kind: 'none' };

const CONTEXT_LINES = 3;
/**
 * Edit distance (inserted + deleted lines) beyond which the diff is not computed: Myers' cost grows
 * with N·D, and at 400 a 10k-line file still gives up in ~150ms instead of diffing for seconds.
 */
const MAX_EDIT_LENGTH = 400;

export function isOneLine(d: Diff): boolean {
  return !d.before.includes('\n') && !d.after.includes('\n');
}

function isBinary(s: string): boolean {
  return s.includes('\u0000');
}

export function renderDiff(raw: Diff): RenderedDiff {
  const d = asText(raw);
  if (d.before === d.after) return { kind: 'none' };
  if (isBinary(d.before) || isBinary(d.after)) {
    return { kind: 'unified', lines: [...headers(d), `Binary content differs (${d.before.length} → ${d.after.length} bytes)`] };
  }
  if (isOneLine(d)) return { kind: 'inline', text: `${show(d.before)} → ${show(d.after)}` };
  // `old\n` → `new\n` (a hostname file, a one-property listing) reads better on one line too.
  const single = (s: string): boolean => s.length > 1 && s.indexOf('\n') === s.length - 1;
  if (single(d.before) && single(d.after)) return { kind: 'inline', text: `${d.before.slice(0, -1)} → ${d.after.slice(0, -1)}` };
  const lines = unifiedLines(d);
  if (lines) return { kind: 'unified', lines };
  return {
    kind: 'unified',
    tooLarge: true,
    lines: [...headers(d), `Too many differences to show (${lineCount(d.before)} → ${lineCount(d.after)} lines); --json carries both versions`],
  };
}

/** The unified diff as one string (for --json), one-line values included; empty when nothing differs. */
export function unifiedDiff(raw: Diff): string {
  const d = asText(raw);
  const r = renderDiff(d);
  if (r.kind === 'none') return '';
  if (r.kind === 'unified') return (r.tooLarge ? replacementLines(d) : r.lines).join('\n') + '\n';
  return (unifiedLines(d) ?? replacementLines(d)).join('\n') + '\n';
}

/** Undefined when the texts are too different to diff cheaply (Myers is O(N·D)). */
function unifiedLines(d: Diff): string[] | undefined {
  // A created or emptied file is all one side: that patch needs no search, whatever its size.
  if (d.before === '' || d.after === '') return replacementLines(d);
  const patch = structuredPatch('before', 'after', d.before, d.after, undefined, undefined, { context: CONTEXT_LINES, maxEditLength: MAX_EDIT_LENGTH });
  if (!patch) return undefined;
  const body = formatPatch(patch, OMIT_HEADERS).replace(/\n$/, '');
  return [...headers(d), ...(body === '' ? [] : body.split('\n'))];
}

/** A valid patch that replaces every line: what --json carries when a real diff would cost too much. */
function replacementLines(d: Diff): string[] {
  const side = (text: string, sign: string): string[] => {
    if (text === '') return [];
    const lines = text.replace(/\n$/, '').split('\n').map((l) => sign + l);
    return text.endsWith('\n') ? lines : [...lines, '\\ No newline at end of file'];
  };
  const range = (n: number): string => (n === 0 ? '0,0' : `1,${n}`);
  return [...headers(d), `@@ -${range(lineCount(d.before))} +${range(lineCount(d.after))} @@`, ...side(d.before, '-'), ...side(d.after, '+')];
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
}

function headers(d: Diff): [string, string] {
  return d.path ? [`--- before: ${d.path}`, `+++ after: ${d.path}`] : ['--- before', '+++ after'];
}

/** An empty value still needs to be visible on the line. */
function show(value: string): string {
  return value === '' ? '(empty)' : value;
}

/** Modules are typed to give strings, but a Buffer or undefined must not crash the report. */
function asText(d: Diff): Diff {
  const text = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
  return { ...(d.path !== undefined ? { path: String(d.path) } : {}), before: text(d.before), after: text(d.after) };
}
