/**
 * Host specs as they appear in inventories: `web1`, `web1:2222`, `node[01:10]`, `db-[a:c]`,
 * `[2001:db8::1]:22`, `fe80::1`. Ranges expand the way Ansible's `expand_hostname_range` does:
 * inclusive ends, zero padding kept when the start has it, letters, an optional step, and several
 * ranges in one name.
 */
import { KplayError, type SourceLoc } from '../errors.ts';

export interface HostSpec {
  /** The name with its ranges still unexpanded. */
  pattern: string;
  port?: number;
}

const RANGE_BODY = /^[A-Za-z0-9]*:[A-Za-z0-9]+(?::[0-9]+)?$/;

/** Split `name:port`, telling a port apart from a range colon or an IPv6 address. */
export function parseHostSpec(spec: string, loc?: SourceLoc): HostSpec {
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(spec);
  if (bracketed && !RANGE_BODY.test(bracketed[1]!) && bracketed[1]!.includes(':')) {
    return withPort({ pattern: bracketed[1]! }, bracketed[2], loc);
  }
  const colons = colonsOutsideBrackets(spec);
  if (colons.length === 0) return { pattern: spec };
  if (colons.length > 1) return { pattern: spec }; // a bare IPv6 address
  const at = colons[0]!;
  const port = spec.slice(at + 1);
  if (!/^[0-9]+$/.test(port)) {
    throw new KplayError('KPLAY_INVENTORY', `bad host "${spec}": the part after ":" must be a port number`, { loc });
  }
  return withPort({ pattern: spec.slice(0, at) }, port, loc);
}

function withPort(spec: HostSpec, port: string | undefined, loc?: SourceLoc): HostSpec {
  if (port === undefined) return spec;
  const n = Number(port);
  if (n < 1 || n > 65535) throw new KplayError('KPLAY_INVENTORY', `bad port ${port}: must be 1-65535`, { loc });
  return { ...spec, port: n };
}

function colonsOutsideBrackets(s: string): number[] {
  const at: number[] = [];
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ':' && depth === 0) at.push(i);
  }
  return at;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * The most hosts one inventory line (one host pattern) may expand to (docs/inventory.md): a
 * range like `h[1:1000][1:1000]` is refused, counted before anything is expanded, instead of
 * building a million hosts.
 */
export const MAX_RANGE_HOSTS = 10_000;

/** Expand every `[begin:end(:step)]` range in a host name; a name without ranges is returned alone. */
export function expandHostRanges(pattern: string, loc?: SourceLoc): string[] {
  const n = countHostRanges(pattern, loc);
  if (n > MAX_RANGE_HOSTS) {
    throw rangeError(pattern, `it stands for ${n > 1e15 ? 'more than 10^15' : n} hosts; a host line may expand to at most ${MAX_RANGE_HOSTS}`, loc);
  }
  return expand(pattern, loc);
}

/** How many names a pattern expands to, without expanding it (validates every range on the way). */
function countHostRanges(pattern: string, loc?: SourceLoc): number {
  let total = 1;
  let rest = pattern;
  for (;;) {
    const r = nextRange(rest, pattern, loc);
    if (!r) return total;
    total *= rangeCount(r.begin, r.end, r.step);
    rest = r.tail;
  }
}

function nextRange(s: string, pattern: string, loc?: SourceLoc): { head: string; tail: string; begin: string; end: string; step: number } | undefined {
  const open = s.indexOf('[');
  if (open < 0) return undefined;
  const close = s.indexOf(']', open);
  if (close < 0) throw rangeError(pattern, 'a "[" without its "]"', loc);
  const bounds = s.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw rangeError(pattern, 'a range must be [begin:end] or [begin:end:step]', loc);
  const begin = bounds[0] === '' ? '0' : bounds[0]!;
  const end = bounds[1]!;
  if (end === '') throw rangeError(pattern, 'the range has no end', loc);
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (!Number.isInteger(step) || step < 1) throw rangeError(pattern, `bad step "${bounds[2]}"`, loc);
  return { head: s.slice(0, open), tail: s.slice(close + 1), begin, end, step };
}

function rangeCount(begin: string, end: string, step: number): number {
  const isLetter = (s: string): boolean => s.length === 1 && LETTERS.includes(s);
  const [from, to] = isLetter(begin) && isLetter(end) ? [LETTERS.indexOf(begin), LETTERS.indexOf(end)] : [Number(begin), Number(end)];
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) return 1; // rangeItems says what is wrong
  return Math.floor((to - from) / step) + 1;
}

function expand(pattern: string, loc?: SourceLoc): string[] {
  const r = nextRange(pattern, pattern, loc);
  if (!r) return [pattern];
  const names: string[] = [];
  for (const part of rangeItems(pattern, r.begin, r.end, r.step, loc)) names.push(...expand(r.head + part + r.tail, loc));
  return names;
}

function rangeItems(pattern: string, begin: string, end: string, step: number, loc?: SourceLoc): string[] {
  const isLetter = (s: string): boolean => s.length === 1 && LETTERS.includes(s);
  if (isLetter(begin) && isLetter(end)) {
    const from = LETTERS.indexOf(begin);
    const to = LETTERS.indexOf(end);
    if (from > to) throw rangeError(pattern, 'the range begins after it ends', loc);
    const out: string[] = [];
    for (let i = from; i <= to; i += step) out.push(LETTERS[i]!);
    return out;
  }
  if (!/^[0-9]+$/.test(begin) || !/^[0-9]+$/.test(end)) {
    throw rangeError(pattern, 'a range is numbers ([01:10]) or single letters ([a:f])', loc);
  }
  // A leading zero is a width hint: [01:10] gives 01..10, and both ends must have that width.
  const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
  if (width && end.length !== width) throw rangeError(pattern, 'a zero-padded range needs begin and end of the same width', loc);
  const from = Number(begin);
  const to = Number(end);
  if (from > to) throw rangeError(pattern, 'the range begins after it ends', loc);
  const out: string[] = [];
  for (let i = from; i <= to; i += step) out.push(width ? String(i).padStart(width, '0') : String(i));
  return out;
}

function rangeError(pattern: string, why: string, loc?: SourceLoc): KplayError {
  return new KplayError('KPLAY_INVENTORY', `bad host range in "${pattern}": ${why}`, { loc });
}
