/**
 * A plan as JSON text and back. Plans are plain data (ModuleDef.plan's contract), so JSON holds
 * them exactly, with one agreed encoding: a Buffer (binary file content in a put op or an effect)
 * is written as `{ "$buffer": "<base64>" }` and read back as a Buffer. Keys whose value is
 * undefined are not data and are dropped, as JSON.stringify does.
 */
import type { Plan } from './api.ts';

const BUFFER_KEY = '$buffer';

export function planToJson(plan: Plan, space?: number): string {
  return JSON.stringify(
    plan,
    function (this: Record<string, unknown>, key: string, value: unknown) {
      // Buffer.toJSON has run by now: look at the holder's own value to see the Buffer
      const raw = key === '' ? value : this[key];
      return Buffer.isBuffer(raw) ? { [BUFFER_KEY]: raw.toString('base64') } : value;
    },
    space,
  );
}

export function planFromJson(text: string): Plan {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const b = (value as Record<string, unknown>)[BUFFER_KEY];
      if (keys.length === 1 && typeof b === 'string') return Buffer.from(b, 'base64');
    }
    return value;
  }) as Plan;
}
