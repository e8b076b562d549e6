/**
 * group_vars/ and host_vars/ files, found the way Ansible's host_group_vars plugin finds them:
 * for entity `web` it takes the first of `web` (file or directory), `web.yml`, `web.yaml`,
 * `web.json`; a directory contributes every file below it (recursively, in name order; hidden
 * files, backups `~` and files with other extensions skipped). Files are YAML (JSON is YAML).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { KplayError } from '../errors.ts';
import { readYamlFile } from '../load/yaml.ts';
import { nodeLoc } from '../load/yaml-positions.ts';
import type { Vars } from '../playbook/model.ts';

const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/**
 * The var files for one group or host below `dir/group_vars` or `dir/host_vars`, in load order.
 * `names` is the directory's listing when the caller has it: with thousands of hosts, one
 * readdir beats four stat calls per host.
 */
export function findVarFiles(dir: string, name: string, names?: ReadonlySet<string>): string[] {
  for (const ext of EXTENSIONS) {
    if (names && !names.has(name + ext)) continue;
    const path = join(dir, name + ext);
    const kind = statKind(path);
    if (kind === 'dir') return listVarDir(path);
    if (kind === 'file') return [path];
  }
  return [];
}

function listVarDir(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const path = join(dir, name);
    const ext = extname(name);
    const kind = statKind(path);
    if (kind === 'dir' && !ext) found.push(...listVarDir(path));
    else if (kind === 'file' && EXTENSIONS.includes(ext)) found.push(path);
  }
  return found;
}

function statKind(path: string): 'file' | 'dir' | undefined {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Reads each var file once; remembers the errors so the loader can report them all together. */
export class VarFileCache {
  private readonly cache = new Map<string, Vars>();
  private readonly merged = new Map<string, Vars>();
  private readonly listings = new Map<string, ReadonlySet<string>>();
  readonly errors: KplayError[] = [];

  load(file: string): Vars {
    let vars = this.cache.get(file);
    if (vars) return vars;
    const parsed = readYamlFile(file);
    this.errors.push(...parsed.errors);
    const value = parsed.value;
    if (value === undefined || value === null) vars = {};
    else if (typeof value === 'object' && !Array.isArray(value)) vars = value as Vars;
    else {
      this.errors.push(
        new KplayError('KPLAY_INVENTORY', 'a group_vars/host_vars file must be a mapping of variable names', {
          loc: nodeLoc(value) ?? { file, line: 1, col: 1 },
        }),
      );
      vars = {};
    }
    this.cache.set(file, vars);
    return vars;
  }

  private listing(dir: string): ReadonlySet<string> {
    let names = this.listings.get(dir);
    if (!names) {
      try {
        names = new Set(readdirSync(dir));
      } catch {
        names = new Set();
      }
      this.listings.set(dir, names);
    }
    return names;
  }

  /** The files for `name` under `dir/<kind>/`, in load order (each readable with load()). */
  filesFor(dir: string, kind: 'group_vars' | 'host_vars', name: string): string[] {
    const varsDir = join(dir, kind);
    return findVarFiles(varsDir, name, this.listing(varsDir));
  }

  /** All vars for `name` under `dir/<kind>/`, merged in file order (later files win, per top-level key). */
  varsFor(dir: string, kind: 'group_vars' | 'host_vars', name: string): Vars {
    const key = join(dir, kind, name);
    let out = this.merged.get(key);
    if (!out) {
      out = {};
      for (const file of this.filesFor(dir, kind, name)) Object.assign(out, this.load(file));
      this.merged.set(key, out);
    }
    return out;
  }
}
