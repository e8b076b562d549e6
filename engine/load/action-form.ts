/** The `action:` and `local_action:` spellings of a task, turned into the usual `module: args` form. */
import { KplayError } from '../errors.ts';
import type { LoadContext } from './context.ts';
import { isMapping, type Mapping } from './mapping.ts';
import { copyPositions, valueLoc } from './yaml-positions.ts';

/** `action: copy src=a dest=b` / `local_action: {module: copy, …}` → the usual `copy: …` form. */
export function rewriteAction(map: Mapping, ctx: LoadContext): Mapping {
  const key = 'local_action' in map ? 'local_action' : 'action';
  const v = map[key];
  let module: string | undefined;
  let args: unknown;
  if (typeof v === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(v);
    module = m?.[1];
    args = m?.[2] ?? '';
  } else if (isMapping(v) && typeof v['module'] === 'string') {
    module = v['module'];
    const rest: Mapping = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'module') rest[k] = x;
    copyPositions(v, rest);
    args = rest;
  }
  if (!module) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `'${key}' needs a module: '${key}: MODULE args' or '${key}: {module: MODULE, …}'`, { loc: valueLoc(map, key) }));
    return {};
  }
  const out: Mapping = {};
  for (const [k, x] of Object.entries(map)) out[k === key ? module : k] = k === key ? args : x;
  if (key === 'local_action' && out['delegate_to'] === undefined) out['delegate_to'] = 'localhost';
  copyPositions(map, out, { [module]: key });
  return out;
}
