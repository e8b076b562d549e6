/**
 * Turn `-i` arguments into parsed inventory: a file (INI or YAML, told apart like Ansible's
 * plugin chain: by extension, else by content), a directory of such files (recursively, in
 * name order, skipping what Ansible skips), or a `host1,host2,` list.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { KplayError, type SourceLoc } from '../errors.ts';
import { parseYaml } from '../load/yaml.ts';
import type { InventoryData } from './data.ts';
import { expandHostRanges, parseHostSpec } from './host-address.ts';
import { parseIniInventory } from './ini.ts';
import { looksLikeYamlInventory, parseYamlInventory } from './yaml-inventory.ts';

/** Ansible's INVENTORY_IGNORE_EXTS (ansible-core 2.19+, which reads `.ini` files in directories). */
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.cfg', '.retry'];
/** Names never read as inventory inside a directory source. */
// known_hosts and the run's state dirs sit in an inventory directory by kplay's own conventions
// (docs/ssh.md, the pki and credentials dirs of the cluster roles): never inventory sources.
const IGNORED_NAMES = new Set(['group_vars', 'host_vars', 'vars_plugins', 'known_hosts', 'pki', 'credentials']);

export interface ReadSource {
  /** Where group_vars/ and host_vars/ are looked up for this source; none for host lists. */
  varsDir?: string;
  errors: KplayError[];
}

/** Read one `-i` source into `data`. */
export function readSource(source: string, data: InventoryData, cwd = process.cwd()): ReadSource {
  const path = resolve(cwd, source.startsWith('~/') ? join(homedir(), source.slice(2)) : source);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    if (source.includes(',')) return { errors: readHostList(source, data) };
    return {
      errors: [
        new KplayError('KPLAY_FILE_NOT_FOUND', `inventory source "${source}" does not exist`, {
          hint: 'give a file, a directory, or a comma-separated host list such as "web1,web2," (note the comma)',
        }),
      ],
    };
  }
  if (stat.isDirectory()) return { varsDir: path, errors: readDirectory(path, data) };
  return { varsDir: dirname(path), errors: readFile(path, data) };
}

/** `h1,h2:2222,` — every name lands in `ungrouped`. */
function readHostList(list: string, data: InventoryData): KplayError[] {
  const errors: KplayError[] = [];
  for (const item of list.split(',')) {
    const spec = item.trim();
    if (!spec) continue;
    try {
      const { pattern, port } = parseHostSpec(spec);
      for (const name of expandHostRanges(pattern)) {
        data.addHost(name, 'ungrouped', undefined);
        if (port !== undefined) data.setHostVar(name, 'ansible_port', port);
      }
    } catch (err) {
      if (err instanceof KplayError) errors.push(err);
      else throw err;
    }
  }
  return errors;
}

function readDirectory(dir: string, data: InventoryData): KplayError[] {
  const errors: KplayError[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (isIgnored(name)) continue;
    const path = join(dir, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue; // a dangling link
    }
    if (stat.isDirectory()) errors.push(...readDirectory(path, data));
    else if (stat.isFile()) errors.push(...readFile(path, data));
  }
  return errors;
}

export function isIgnored(name: string): boolean {
  return name.startsWith('.') || IGNORED_NAMES.has(name) || IGNORED_EXTS.some((ext) => name.endsWith(ext));
}

/** Parse one inventory file, picking the format by extension, else by content. */
export function readFile(path: string, data: InventoryData): KplayError[] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const ext = extname(path).toLowerCase();
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') {
    const parsed = parseYaml(text, path);
    if (parsed.errors.length) return parsed.errors;
    return parseYamlInventory(parsed.value, path, data);
  }
  if (ext !== '.ini' && !looksLikeIni(text)) {
    const parsed = parseYaml(text, path);
    if (parsed.errors.length === 0 && looksLikeYamlInventory(parsed.value)) return parseYamlInventory(parsed.value, path, data);
  }
  if (/\0/.test(text)) return [new KplayError('KPLAY_INVENTORY', `${basename(path)} is not a text inventory`, { loc: fileStart(path) })];
  return parseIniInventory(text, path, data);
}

/** A first meaningful line that is an INI section or `host key=value` means INI. */
function looksLikeIni(text: string): boolean {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line === '---') continue;
    return line.startsWith('[') || !/:(\s|$)/.test(line);
  }
  return true;
}

function fileStart(file: string): SourceLoc {
  return { file, line: 1, col: 1 };
}
