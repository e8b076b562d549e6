/**
 * Ansible's YAML inventory format: top-level keys are groups; each group may have `hosts`
 * (a mapping of host → vars), `vars` and `children` (nested groups of the same shape).
 * Host keys accept ranges and `:port` like INI hosts.
 */
import { KplayError, type SourceLoc } from '../errors.ts';
import { keyLoc, nodeLoc, valueLoc } from '../load/yaml-positions.ts';
import type { InventoryData } from './data.ts';
import { expandHostRanges, parseHostSpec } from './host-address.ts';

/** True when a parsed YAML value has the shape of an inventory (a mapping of groups). */
export function looksLikeYamlInventory(value: unknown): boolean {
  return isMapping(value) && Object.values(value).every((v) => v === null || isMapping(v));
}

/** Read a parsed YAML inventory into `data`; returns every error found. */
export function parseYamlInventory(value: unknown, file: string, data: InventoryData): KplayError[] {
  const errors: KplayError[] = [];
  const fileLoc: SourceLoc = { file, line: 1, col: 1 };
  if (value === undefined || value === null) return errors;
  if (!isMapping(value)) {
    return [new KplayError('KPLAY_INVENTORY', 'a YAML inventory must be a mapping of group names', { loc: nodeLoc(value) ?? fileLoc })];
  }
  for (const [name, body] of Object.entries(value)) {
    readGroup(name, body, keyLoc(value, name) ?? fileLoc, { data, file, errors });
  }
  return errors;
}

interface Ctx {
  data: InventoryData;
  file: string;
  errors: KplayError[];
}

function readGroup(name: string, body: unknown, loc: SourceLoc, ctx: Ctx): void {
  ctx.data.addGroup(name, loc);
  if (body === null || body === undefined) return;
  if (!isMapping(body)) {
    ctx.errors.push(
      new KplayError('KPLAY_INVENTORY', `group "${name}" must be a mapping with hosts, children and vars`, { loc, hint: 'an empty group is written `name: {}` or `name:`' }),
    );
    return;
  }
  for (const [key, section] of Object.entries(body)) {
    const at = keyLoc(body, key) ?? loc;
    if (section === null || section === undefined) continue;
    if (key !== 'hosts' && key !== 'children' && key !== 'vars') {
      ctx.data.warnings.push(new KplayError('KPLAY_INVENTORY', `group "${name}": unexpected key "${key}" skipped`, { loc: at, hint: 'a group has hosts, children and vars' }));
      continue;
    }
    if (!isMapping(section)) {
      const found = Array.isArray(section) ? 'a list' : typeof section;
      ctx.errors.push(
        new KplayError('KPLAY_INVENTORY', `"${key}" of group "${name}" must be a mapping, found ${found}`, {
          loc: valueLoc(body, key) ?? at,
          hint: key === 'hosts' ? 'hosts are keys: `hosts: {web1: {}, web2: {ansible_host: 10.0.0.2}}`' : undefined,
        }),
      );
      continue;
    }
    if (key === 'vars') for (const [k, v] of Object.entries(section)) ctx.data.setGroupVar(name, k, v, keyLoc(section, k) ?? at);
    else if (key === 'hosts') readHosts(name, section, ctx);
    else {
      for (const [child, childBody] of Object.entries(section)) {
        const childLoc = keyLoc(section, child) ?? at;
        try {
          ctx.data.addChild(name, child, childLoc);
        } catch (err) {
          if (err instanceof KplayError) ctx.errors.push(err);
          else throw err;
          continue;
        }
        readGroup(child, childBody, childLoc, ctx);
      }
    }
  }
}

function readHosts(group: string, hosts: Record<string, unknown>, ctx: Ctx): void {
  for (const [spec, vars] of Object.entries(hosts)) {
    const loc = keyLoc(hosts, spec) ?? { file: ctx.file, line: 1, col: 1 };
    try {
      if (vars !== null && vars !== undefined && !isMapping(vars)) {
        throw new KplayError('KPLAY_INVENTORY', `vars of host "${spec}" must be a mapping`, { loc: valueLoc(hosts, spec) ?? loc });
      }
      const { pattern, port } = parseHostSpec(spec, loc);
      for (const name of expandHostRanges(pattern, loc)) {
        ctx.data.addHost(name, group, ctx.file, loc);
        if (port !== undefined) ctx.data.setHostVar(name, 'ansible_port', port, loc);
        for (const [k, v] of Object.entries(vars ?? {})) ctx.data.setHostVar(name, k, v, keyLoc(vars, k) ?? loc);
      }
    } catch (err) {
      if (err instanceof KplayError) ctx.errors.push(err);
      else throw err;
    }
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
