/** A task's or include's loop (`loop`, `with_items`, `with_list`) and its `loop_control`. */
import { KplayError } from '../errors.ts';
import type { LoopControl } from '../playbook/model.ts';
import type { LoadContext } from './context.ts';
import { isMapping, type Mapping } from './mapping.ts';
import { checkTemplates } from './template-check.ts';
import { keyLoc, valueLoc } from './yaml-positions.ts';

export function loopOf(map: Mapping, ctx: LoadContext): unknown {
  const forms = ['loop', 'with_items', 'with_list'].filter((k) => map[k] !== undefined);
  if (forms.length > 1) ctx.diag.error(new KplayError('KPLAY_SCHEMA', `use one of loop/with_items/with_list, not both '${forms[0]}' and '${forms[1]}'`, { loc: keyLoc(map, forms[1]!) }));
  const key = forms[0];
  if (!key) return undefined;
  const value = map[key];
  checkTemplates(value, valueLoc(map, key), ctx.diag);
  // with_items flattens one level of nested lists (Ansible); a template is flattened at run time.
  if (key === 'with_items' && Array.isArray(value)) return value.flatMap((v) => (Array.isArray(v) ? v : [v]));
  return value;
}

export function loopControlOf(map: Mapping): LoopControl {
  const lc = isMapping(map['loop_control']) ? (map['loop_control'] as Partial<LoopControl>) : {};
  const out: LoopControl = { loop_var: typeof lc.loop_var === 'string' ? lc.loop_var : 'item' };
  if (typeof lc.index_var === 'string') out.index_var = lc.index_var;
  if (lc.label !== undefined) out.label = lc.label as string;
  if (lc.pause !== undefined) out.pause = lc.pause as number;
  if (typeof lc.extended === 'boolean') out.extended = lc.extended;
  return out;
}
