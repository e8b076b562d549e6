/** Filters on single values: defaults, number conversion and rounding, ternary, Python type names. */
import { toBool, toFloat, toInt, truthy } from '../values.ts';
import type { Filter } from './types.ts';

export const SCALAR_FILTERS: Record<string, Filter> = {
  // kplay: null counts as not set too (a YAML `x:` with no value), see docs/templates.md
  default: (v, [fallback = '', falsy]) => (v === undefined || v === null || (toBool(falsy ?? false) && !truthy(v)) ? fallback : v),
  d: (v, [fallback = '', falsy]) => (v === undefined || v === null || (toBool(falsy ?? false) && !truthy(v)) ? fallback : v),
  int: (v, [dflt = 0, base = 10], kw) => {
    const b = toInt(kw['base'] ?? base);
    if (typeof v === 'string') {
      const s = v.trim().replace(/_/g, '');
      const n = b === 10 ? (/^[+-]?\d+$/.test(s) ? Number(s) : /^[+-]?\d*\.?\d+(e[+-]?\d+)?$/i.test(s) ? Math.trunc(Number(s)) : NaN) : Number.parseInt(s.replace(/^0[xob]/i, ''), b);
      return Number.isNaN(n) ? toInt(kw['default'] ?? dflt) : n;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return toInt(v);
    return toInt(kw['default'] ?? dflt);
  },
  float: (v, [dflt = 0]) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    const n = typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) ? Number(v) : NaN;
    return Number.isNaN(n) ? toFloat(dflt) : n;
  },
  round: (v, [precision = 0, method = 'common']) => {
    const f = 10 ** toInt(precision);
    const x = toFloat(v) * f;
    const r = method === 'ceil' ? Math.ceil(x) : method === 'floor' ? Math.floor(x) : Math.sign(x) * Math.round(Math.abs(x));
    return r / f;
  },
  ternary: (v, [yes, no, none]) => (v === null && none !== undefined ? none : truthy(v) ? yes : no),
  type_debug: (v) =>
    v === null ? 'NoneType' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : Array.isArray(v) ? 'list' : 'dict',
};
