/** The `kplay inventory --list / --graph` renderings, shaped like ansible-inventory's. */
import type { Vars } from '../playbook/model.ts';
import type { InventoryData } from './data.ts';

/** `{_meta: {hostvars}, all: {children}, <group>: {hosts, children}}`; empty keys and groups left out. */
export function inventoryList(data: InventoryData, hostVars: (host: string) => Vars, hostOrder: readonly string[]): Record<string, unknown> {
  const hostvars: Record<string, Vars> = {};
  for (const h of hostOrder) hostvars[h] = hostVars(h);
  const out: Record<string, unknown> = { _meta: { hostvars } };
  for (const g of data.groups.values()) {
    const entry: Record<string, string[]> = {};
    if (g.name !== 'all' && g.hosts.length) entry['hosts'] = [...g.hosts];
    if (g.children.length) entry['children'] = [...g.children];
    if (g.name === 'all' || Object.keys(entry).length) out[g.name] = entry;
  }
  return out;
}

/** The tree below `root`: child groups then hosts, each sorted by name. */
export function inventoryGraph(data: InventoryData, root: string): string {
  const lines: string[] = [];
  const walk = (name: string, depth: number, path: Set<string>): void => {
    lines.push(indent(`@${name}:`, depth));
    const g = data.groups.get(name);
    if (!g || path.has(name)) return;
    const below = new Set(path).add(name);
    for (const child of [...g.children].sort()) walk(child, depth + 1, below);
    if (name !== 'all') for (const h of [...g.hosts].sort()) lines.push(indent(h, depth + 1));
  };
  walk(root, 0, new Set());
  return lines.join('\n');
}

function indent(name: string, depth: number): string {
  return depth ? `${'  |'.repeat(depth)}--${name}` : name;
}
