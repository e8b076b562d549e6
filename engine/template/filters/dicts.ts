/** Filters on dicts: merging (combine) and converting to and from lists of key/value items. */
import { deepEqual, isPlainObject, setOwn, toBool, typeName } from '../values.ts';
import { asList, text } from './inputs.ts';
import type { Filter, Kw } from './types.ts';

/** Ansible's combine: later dicts win; recursive=True merges nested dicts; list_merge= as Ansible. */
function combine(dicts: unknown[], kw: Kw): Record<string, unknown> {
  const recursive = toBool(kw['recursive'] ?? false);
  const listMerge = String(kw['list_merge'] ?? 'replace');
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(a)) setOwn(out, k, a[k]);
    for (const k of Object.keys(b)) {
      const x = out[k];
      const y = b[k];
      if (recursive && Object.hasOwn(out, k) && isPlainObject(x) && isPlainObject(y)) setOwn(out, k, merge(x, y));
      else if (Array.isArray(x) && Array.isArray(y) && Object.hasOwn(out, k) && listMerge !== 'replace') {
        if (listMerge === 'keep') continue;
        if (listMerge === 'append') setOwn(out, k, [...x, ...y]);
        else if (listMerge === 'prepend') setOwn(out, k, [...y, ...x]);
        else if (listMerge === 'append_rp') setOwn(out, k, [...x.filter((e) => !y.some((f) => deepEqual(e, f))), ...y]);
        else if (listMerge === 'prepend_rp') setOwn(out, k, [...y, ...x.filter((e) => !y.some((f) => deepEqual(e, f)))]);
        else throw new TypeError(`combine: unknown list_merge '${listMerge}'`);
      } else setOwn(out, k, y);
    }
    return out;
  };
  const flat = dicts.flatMap((d) => (Array.isArray(d) ? d : [d]));
  return flat.reduce<Record<string, unknown>>((acc, d) => {
    if (!isPlainObject(d)) throw new TypeError(`combine needs dicts, got a ${typeName(d)}`);
    return merge(acc, d);
  }, {});
}

export const DICT_FILTERS: Record<string, Filter> = {
  dict2items: (v, _a, kw) => {
    if (!isPlainObject(v)) throw new TypeError(`dict2items needs a dict, got a ${typeName(v)}`);
    const [kn, vn] = [text(kw['key_name'] ?? 'key'), text(kw['value_name'] ?? 'value')];
    return Object.entries(v).map(([key, value]) => ({ [kn]: key, [vn]: value }));
  },
  items2dict: (v, _a, kw) => {
    const [kn, vn] = [text(kw['key_name'] ?? 'key'), text(kw['value_name'] ?? 'value')];
    const out: Record<string, unknown> = {};
    for (const item of asList(v, 'items2dict')) {
      if (!isPlainObject(item) || !Object.hasOwn(item, kn) || !Object.hasOwn(item, vn)) throw new TypeError(`items2dict: every item needs '${kn}' and '${vn}'`);
      setOwn(out, text(item[kn]), item[vn]);
    }
    return out;
  },
  combine: (v, args, kw) => combine([v, ...args], kw),
};
