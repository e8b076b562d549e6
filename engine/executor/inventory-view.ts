/** What the executor needs from an inventory (engine/inventory implements it). */
import type { SourceLoc } from '../errors.ts';
import type { Vars } from '../playbook/model.ts';

export interface InventoryView {
  hosts(): string[];
  groups(): Record<string, string[]>;
  groupNames(host: string): string[];
  match(pattern: string): string[];
  hostVars(host: string): Vars;
  /** Where the inventory layer's value of a host's variable is written (Inventory.varOrigin). */
  varOrigin?(host: string, name: string): SourceLoc | undefined;
}
