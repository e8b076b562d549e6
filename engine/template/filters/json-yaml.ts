/** to_json, to_yaml and friends, producing what Python's json.dumps and Ansible's YAML dumper produce. */
import * as yaml from 'js-yaml';
import { isPlainObject, toBool, toInt } from '../values.ts';
import { text } from './inputs.ts';
import type { Filter, Kw } from './types.ts';

function pyJsonValue(v: unknown, indent: number | undefined, sortKeys: boolean, level: number): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
  const items: string[] = [];
  const pad = indent === undefined ? '' : `\n${' '.repeat(indent * (level + 1))}`;
  const end = indent === undefined ? '' : `\n${' '.repeat(indent * level)}`;
  const sep = indent === undefined ? ', ' : ',';
  if (Array.isArray(v)) {
    for (const x of v) items.push(pyJsonValue(x, indent, sortKeys, level + 1));
    return items.length ? `[${pad}${items.join(sep + pad)}${end}]` : '[]';
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (sortKeys) keys.sort();
    for (const k of keys) items.push(`${JSON.stringify(k)}: ${pyJsonValue(v[k], indent, sortKeys, level + 1)}`);
    return items.length ? `{${pad}${items.join(sep + pad)}${end}}` : '{}';
  }
  return JSON.stringify(String(v));
}

/** json.dumps as Ansible's to_json calls it (", " and ": " separators; indent= and sort_keys=). */
export function pyJson(v: unknown, indent?: number, sortKeys = false): string {
  return pyJsonValue(v, indent, sortKeys, 0);
}

function toYaml(v: unknown, kw: Kw, nice: boolean): string {
  const indent = kw['indent'] === undefined ? (nice ? 4 : 2) : toInt(kw['indent']);
  return yaml.dump(v ?? null, { lineWidth: -1, noRefs: true, indent, sortKeys: nice || toBool(kw['sort_keys'] ?? false) });
}

export const JSON_YAML_FILTERS: Record<string, Filter> = {
  to_json: (v, _a, kw) => pyJson(v, kw['indent'] === undefined ? undefined : toInt(kw['indent']), toBool(kw['sort_keys'] ?? false)),
  to_nice_json: (v, _a, kw) => pyJson(v, toInt(kw['indent'] ?? 4), toBool(kw['sort_keys'] ?? true)),
  to_yaml: (v, _a, kw) => toYaml(v, kw, false),
  to_nice_yaml: (v, _a, kw) => toYaml(v, kw, true),
  from_yaml_all: (v) => yaml.loadAll(text(v)),
};
