/**
 * The one place that decides variable precedence (docs/variables.md). Lowest first:
 *   role defaults < inventory (group vars all → parents → children, then host vars) < facts
 *   < play vars / vars_files < role vars and role params < block, include and task vars
 *   < set_fact / register < extra vars (-e); magic variables cannot be overridden.
 */
import type { Vars } from '../playbook/model.ts';

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

export function resolveVars(l: VarLayers): Vars {
  return Object.assign(
    {},
    ...l.roleDefaults,
    l.inventory,
    l.facts ?? {},
    l.play,
    ...l.roleVars,
    ...l.scope,
    l.hostFacts,
    l.extra,
    l.magic,
  );
}

/** Facts are visible both as ansible_<name> (top level) and as ansible_facts.<name>. */
export function factsLayer(facts: Vars | undefined): Vars {
  if (!facts) return {};
  const short: Vars = {};
  for (const [k, v] of Object.entries(facts)) short[k.startsWith('ansible_') ? k.slice(8) : k] = v;
  return { ...facts, ansible_facts: short };
}
