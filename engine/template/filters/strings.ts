/** Filters on strings: replace, split, title case, centring, word count, Python's % format. */
import { toFloat, toInt } from '../values.ts';
import { text } from './inputs.ts';
import type { Filter } from './types.ts';

/** Python's `'%s-%d' % (a, b)` as Jinja's format filter does it. */
function pyFormat(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(-?\d*)(?:\.(\d+))?([sdifxXr%])/g, (_m, width: string, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const a = args[i++];
    let s: string;
    if (conv === 'd' || conv === 'i') s = String(toInt(a));
    else if (conv === 'f') s = toFloat(a).toFixed(prec === undefined ? 6 : Number(prec));
    else if (conv === 'x') s = toInt(a).toString(16);
    else if (conv === 'X') s = toInt(a).toString(16).toUpperCase();
    else s = text(a);
    const w = Number(width || 0);
    return w < 0 ? s.padEnd(-w) : s.padStart(w);
  });
}

export const STRING_FILTERS: Record<string, Filter> = {
  replace: (v, [from, to, count]) => {
    let n = count === undefined ? Infinity : toInt(count);
    const s = text(v);
    const f = text(from);
    if (f === '') return s;
    return s.split(f).reduce((acc, part, i) => (i === 0 ? part : acc + (n-- > 0 ? text(to) : f) + part), '');
  },
  split: (v, [sep, maxsplit]) => {
    const s = text(v);
    if (sep === undefined || sep === null) return s.trim().split(/\s+/).filter(Boolean);
    const parts = s.split(text(sep));
    if (maxsplit === undefined || toInt(maxsplit) < 0) return parts;
    const m = toInt(maxsplit);
    return parts.length > m + 1 ? [...parts.slice(0, m), parts.slice(m).join(text(sep))] : parts;
  },
  title: (v) => text(v).replace(/[A-Za-z]+('[A-Za-z]+)?/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  center: (v, [width = 80]) => {
    const s = text(v);
    const w = toInt(width);
    if (s.length >= w) return s;
    const left = Math.floor((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  },
  wordcount: (v) => text(v).split(/\s+/).filter(Boolean).length,
  format: (v, args) => pyFormat(text(v), args),
};
