/** Load-time template syntax check of every string inside a value, each error at its own position. */
import type { SourceLoc } from '../errors.ts';
import { checkTemplate, isTemplate } from '../template/render.ts';
import type { Diagnostics } from './context.ts';
import { itemLoc, valueLoc } from './yaml-positions.ts';

export function checkTemplates(value: unknown, loc: SourceLoc | undefined, diag: Diagnostics): void {
  if (typeof value === 'string') {
    if (!isTemplate(value) && !value.includes('{%')) return;
    const err = checkTemplate(value, loc);
    if (err) diag.error(err);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkTemplates(v, itemLoc(value, i) ?? loc, diag));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      checkTemplates(v, valueLoc(value, k) ?? loc, diag);
    }
  }
}
