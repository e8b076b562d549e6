/** The regex_* filters, with Python's pattern and replacement syntax translated to JavaScript's. */
import { toBool, toInt } from '../values.ts';
import { text } from './inputs.ts';
import type { Filter, Kw } from './types.ts';

/** Python's re flags from Ansible's ignorecase= / multiline= arguments. */
function pyRegex(pattern: unknown, what: string, kw: Kw, extra = ''): RegExp {
  let flags = extra;
  if (toBool(kw['ignorecase'] ?? false)) flags += 'i';
  if (toBool(kw['multiline'] ?? false)) flags += 'm';
  let src = text(pattern);
  // Python's named groups (?P<name>…) and backreferences (?P=name)
  src = src.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new TypeError(`${what}: bad regular expression: ${(err as Error).message}`);
  }
}

/** Python's replacement syntax (\1, \g<name>) for a JS replace. */
function pyReplacement(s: string): string {
  return s
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\w+)>/g, (_m, g: string) => (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`))
    .replace(/\\(\d+)/g, (_m, d: string) => `$${d}`)
    .replace(/\\n/g, '\n')
    .replace(/\\\\/g, '\\');
}

function regexSearch(v: unknown, [pattern, ...groups]: unknown[], kw: Kw): unknown {
  const m = pyRegex(pattern, 'regex_search', kw).exec(text(v));
  if (!m) return null;
  if (groups.length === 0) return m[0];
  return groups.map((g) => {
    const s = text(g);
    const num = /^\\(\d+)$/.exec(s);
    if (num) return m[Number(num[1])] ?? null;
    const named = /^\\g<(\w+)>$/.exec(s);
    if (named) return /^\d+$/.test(named[1]!) ? (m[Number(named[1])] ?? null) : (m.groups?.[named[1]!] ?? null);
    throw new TypeError(`regex_search: unknown group argument '${s}' (use '\\\\1' or '\\\\g<name>')`);
  });
}

function regexFindall(v: unknown, [pattern]: unknown[], kw: Kw): unknown[] {
  const re = pyRegex(pattern, 'regex_findall', kw, 'g');
  return [...text(v).matchAll(re)].map((m) => (m.length <= 1 ? m[0] : m.length === 2 ? m[1] : m.slice(1)));
}

export const REGEX_FILTERS: Record<string, Filter> = {
  regex_replace: (v, [pattern, replacement = ''], kw) => {
    const count = toInt(kw['count'] ?? 0);
    const re = pyRegex(pattern, 'regex_replace', kw, 'g');
    let done = 0;
    const repl = pyReplacement(text(replacement));
    return text(v).replace(re, (...m) => {
      if (count > 0 && done >= count) return m[0] as string;
      done++;
      return (m[0] as string).replace(new RegExp(re.source, re.flags.replace('g', '')), repl);
    });
  },
  regex_search: (v, args, kw) => regexSearch(v, args, kw),
  regex_findall: (v, args, kw) => regexFindall(v, args, kw),
  regex_escape: (v) => text(v).replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'),
};
