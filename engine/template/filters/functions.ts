/** Jinja's/Ansible's global functions: lookup, query/q, range, dict. */
import { isPlainObject, range, setOwn, toBool } from '../values.ts';
import { text } from './inputs.ts';
import { lookupPlugin } from './lookups.ts';
import type { GlobalFunction } from './types.ts';

export const FUNCTIONS: Record<string, GlobalFunction> = {
  lookup: ([name, ...terms], kw, env) => {
    const r = lookupPlugin(text(name), terms, kw, env);
    if (toBool(kw['wantlist'] ?? false)) return r;
    // wantlist=False: one result as itself, several joined by commas (as Ansible)
    return r.length === 1 ? r[0] : r.map(text).join(',');
  },
  query: ([name, ...terms], kw, env) => lookupPlugin(text(name), terms, kw, env),
  q: ([name, ...terms], kw, env) => lookupPlugin(text(name), terms, kw, env),
  range: (args) => range(...(args as [unknown, unknown?, unknown?])),
  dict: (args, kw) => {
    const out: Record<string, unknown> = {};
    for (const pair of args.flatMap((a) => (isPlainObject(a) ? Object.entries(a) : Array.isArray(a) ? a : []))) {
      if (Array.isArray(pair)) setOwn(out, text(pair[0]), pair[1]);
    }
    for (const k of Object.keys(kw)) setOwn(out, k, kw[k]);
    return out;
  },
};
