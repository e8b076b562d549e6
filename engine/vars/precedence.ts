/**
 * The one place that decides variable precedence (docs/variables.md). Lowest first:
 *   role defaults < inventory (group vars all → parents → children, then host vars) < facts
 *   < play vars / vars_files < role vars and role params < block, include and task vars
 *   < set_fact / register < extra vars (-e); magic variables cannot be overridden.
 */
import type { Vars } from '../playbook/model.ts';
import { DATA_KEYS, dataKeysOf, isData, markData } from '../template/lazy-vars.ts';

export interface VarLayers {
  /** Defaults of every role applied in the play (Ansible does not scope them), the current role's last. */
  roleDefaults: Vars[];
  inventory: Vars;
  facts?: Vars;
  play: Vars;
  /** vars/main.yml and call-site params of the current role. */
  roleVars: Vars[];
  /** Block vars outer → inner, include vars, task vars, loop variables. */
  scope: Vars[];
  hostFacts: Vars;
  extra: Vars;
  magic: Vars;
}

/** Every layer with the field of VarLayers it comes from, lowest precedence first. */
export function orderedLayers(l: VarLayers): { from: keyof VarLayers; layer: Vars }[] {
  const each = (from: keyof VarLayers, layers: Vars[]) => layers.map((layer) => ({ from, layer }));
  return [
    ...each('roleDefaults', l.roleDefaults),
    ...each('inventory', [l.inventory]),
    ...each('facts', [l.facts ?? {}]),
    ...each('play', [l.play]),
    ...each('roleVars', l.roleVars),
    ...each('scope', l.scope),
    ...each('hostFacts', [l.hostFacts]),
    ...each('extra', [l.extra]),
    ...each('magic', [l.magic]),
  ];
}

/** The layer whose value of `name` wins, or undefined when no layer has it. */
export function winningLayer(l: VarLayers, name: string): { from: keyof VarLayers; layer: Vars } | undefined {
  return orderedLayers(l).reverse().find((e) => Object.hasOwn(e.layer, name));
}

export function resolveVars(l: VarLayers): Vars {
  const layers = orderedLayers(l).map((e) => e.layer);
  const merged = Object.assign({}, ...layers) as Vars;
  // Taint (docs/variables.md): a key is data when the layer it comes from holds it as data —
  // gathered facts, set_fact/register, loop items, magic variables — never a template.
  const keys = new Set<string>();
  const magic = layers.length - 1;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const all = i === magic || isData(layer);
    const marked = all ? undefined : dataKeysOf(layer);
    if (!all && !marked) continue;
    for (const k of Object.keys(layer)) {
      if (!all && !marked!.has(k)) continue;
      let overridden = false;
      for (let j = i + 1; j < layers.length && !overridden; j++) overridden = Object.hasOwn(layers[j]!, k);
      if (!overridden) keys.add(k);
    }
  }
  Object.defineProperty(merged, DATA_KEYS, { value: keys, enumerable: true, writable: true, configurable: true });
  return merged;
}

/** Facts are visible both as ansible_<name> (top level) and as ansible_facts.<name>. */
export function factsLayer(facts: Vars | undefined): Vars {
  if (!facts) return {};
  const short: Vars = {};
  for (const [k, v] of Object.entries(facts)) short[k.startsWith('ansible_') ? k.slice(8) : k] = v;
  // facts are what a host said about itself: data, never templates
  return markData({ ...facts, ansible_facts: short });
}
