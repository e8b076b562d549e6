/**
 * Keyword values beyond their JSON type: booleans in YAML 1.1 forms only (a quoted "yes" becomes
 * true, as Ansible reads it; `maybe`, `y` or `1` are errors), and no template in a keyword kplay
 * reads without rendering it (a `no_log: "{{ x }}"` that silently meant false would print secrets).
 */
import { KplayError } from '../errors.ts';
import { isTemplate } from '../template/render.ts';
import type { Diagnostics } from './context.ts';
import { valueLoc } from './yaml-positions.ts';

type Map_ = Record<string, unknown>;

/** Keywords whose value is a boolean, at every level they may appear (play, block, task, role entry, loop_control). */
export const BOOLEAN_KEYWORDS = new Set([
  'become',
  'check_mode',
  'diff',
  'ignore_errors',
  'ignore_unreachable',
  'no_log',
  'delegate_facts',
  'run_once',
  'any_errors_fatal',
  'gather_facts',
  'force_handlers',
  'allow_duplicates',
  'public',
  'rolespec_validate',
  'extended',
]);

export const BOOLEAN_EXPECTED = 'a boolean (true/false, yes/no, on/off)';

/**
 * Keywords whose template kplay would not render: the executor reads the raw value (a template
 * string would silently be false, NaN or the literal text). Ansible renders them; kplay refuses a
 * template here until it does. Keywords rendered at run time (when, loop, delegate_to,
 * environment, throttle, loop_control.label, become_user, retries, delay …) are not listed.
 */
export const UNRENDERED_KEYWORDS = new Set([...BOOLEAN_KEYWORDS, 'become_method', 'serial', 'max_fail_percentage', 'pause', 'order', 'strategy']);

const LITERAL_EXPECTED: Record<string, string> = {
  become_method: 'sudo or su',
  serial: 'a number, a percentage or a list of them',
  max_fail_percentage: 'a number from 0 to 100',
  pause: 'a number of seconds',
  order: 'an order name',
  strategy: 'linear or free',
};

const YAML11_TRUE = /^(yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const YAML11_FALSE = /^(no|No|NO|false|False|FALSE|off|Off|OFF)$/;

/** A quoted YAML 1.1 boolean word becomes the boolean (in place: positions stay with the key). */
export function normaliseBooleans(map: Map_, keys: Iterable<string> = Object.keys(map)): void {
  for (const k of keys) {
    const v = map[k];
    if (!BOOLEAN_KEYWORDS.has(k) || typeof v !== 'string') continue;
    if (YAML11_TRUE.test(v.trim())) map[k] = true;
    else if (YAML11_FALSE.test(v.trim())) map[k] = false;
  }
}

/** A template in a keyword kplay does not render is an error at the value. */
export function rejectUnrenderedTemplates(map: Map_, diag: Diagnostics, prefix = '', keys: Iterable<string> = Object.keys(map)): void {
  for (const k of keys) {
    const v = map[k];
    if (!UNRENDERED_KEYWORDS.has(k)) continue;
    const templated = typeof v === 'string' ? isTemplate(v) : Array.isArray(v) && v.some((x) => typeof x === 'string' && isTemplate(x));
    if (!templated) continue;
    const expected = BOOLEAN_KEYWORDS.has(k) ? BOOLEAN_EXPECTED : (LITERAL_EXPECTED[k] ?? 'a literal value');
    diag.error(
      new KplayError('KPLAY_SCHEMA', `'${prefix}${k}' must be ${expected}, not a template: kplay reads this keyword without rendering it`, {
        loc: valueLoc(map, k),
        hint: 'set it per play, block or task instead of from a variable',
      }),
    );
  }
}

/**
 * Both, for one level's keywords (`keys`: the keys of `map` that are keywords, when others are
 * role parameters); loop_control's booleans too. Call before schema validation.
 */
export function checkKeywordValues(map: Map_, diag: Diagnostics, keys: string[] = Object.keys(map)): void {
  const own = keys.filter((k) => k !== 'extended' && k !== 'pause');
  normaliseBooleans(map, own);
  rejectUnrenderedTemplates(map, diag, '', own);
  const lc = map['loop_control'];
  if (typeof lc === 'object' && lc !== null && !Array.isArray(lc)) {
    normaliseBooleans(lc as Map_);
    rejectUnrenderedTemplates(lc as Map_, diag, 'loop_control.');
  }
}
