/** What the executor needs from an inventory (engine/inventory implements it). */
import type { Vars } from '../playbook/model.ts';

export interface InventoryView {
  hosts(): string[];
  groups(): Record<string, string[]>;
  groupNames(host: string): string[];
  match(pattern: string): string[];
  hostVars(host: string): Vars;
}
