/**
 * Ansible's INI inventory format: `[group]` host lines with inline `key=value` vars,
 * `[group:children]`, `[group:vars]`, comments with `#` or `;`, host ranges and `host:port`.
 * All errors of a file are collected; each carries file:line:col.
 */
import { didYouMean, KplayError, type SourceLoc } from '../errors.ts';
import type { InventoryData } from './data.ts';
import { expandHostRanges, parseHostSpec } from './host-address.ts';
import { shlexSplit } from '../util/shlex.ts';
import { parseIniValue } from './values.ts';

type SectionKind = 'hosts' | 'children' | 'vars';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;
const GROUP_LINE = /^([^:\]\s]+)\s*(?:[#;].*)?$/;

interface PendingRef {
  group: string;
  kind: 'children' | 'vars';
  section: string;
  loc: SourceLoc;
}

/** Read INI inventory text into `data`; returns every error found (an empty list when the file is good). */
export function parseIniInventory(text: string, file: string, data: InventoryData): KplayError[] {
  const errors: KplayError[] = [];
  const known = new Set(data.groups.keys());
  const pending: PendingRef[] = [];
  let group = 'ungrouped';
  let kind: SectionKind = 'hosts';

  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const col = raw.length - raw.trimStart().length + 1;
    const loc: SourceLoc = { file, line: n + 1, col };
    try {
      const section = SECTION.exec(line);
      if (section) {
        group = section[1]!;
        const type = section[2] ?? 'hosts';
        if (type !== 'hosts' && type !== 'children' && type !== 'vars') {
          throw new KplayError('KPLAY_INVENTORY', `section [${group}:${type}] has an unknown type "${type}"`, {
            loc,
            hint: 'sections are [group], [group:children] or [group:vars]',
          });
        }
        kind = type;
        data.addGroup(group, loc);
        if (kind === 'vars') {
          if (!known.has(group)) pending.push({ group, kind, section: `${group}:vars`, loc });
        } else known.add(group);
        continue;
      }
      if (line.startsWith('[') && line.endsWith(']')) {
        throw new KplayError('KPLAY_INVENTORY', `invalid section "${line}"`, {
          loc,
          hint: 'a section is [name], [name:children] or [name:vars], without spaces',
        });
      }
      if (kind === 'hosts') parseHostLine(raw, loc, group, file, data);
      else if (kind === 'vars') parseVarLine(line, loc, group, data);
      else {
        const child = GROUP_LINE.exec(line)?.[1];
        if (!child) throw new KplayError('KPLAY_INVENTORY', `expected a group name in [${group}:children], got "${line}"`, { loc });
        data.addChild(group, child, loc);
        if (!known.has(child)) pending.push({ group: child, kind: 'children', section: `${group}:children`, loc });
      }
    } catch (err) {
      if (err instanceof KplayError) errors.push(err);
      else throw err;
    }
  }
  warnUndeclared(pending, known, data);
  return errors;
}

/**
 * Ansible refuses a child group or a [g:vars] section for a group that is never declared.
 * kplay creates the (empty) group, as later sources may fill it, and warns, naming a likely typo.
 */
function warnUndeclared(pending: PendingRef[], known: Set<string>, data: InventoryData): void {
  for (const p of pending) {
    if (known.has(p.group)) continue;
    const guess = didYouMean(p.group, [...known].filter((g) => g !== p.group));
    const what = p.kind === 'children' ? `section [${p.section}] names group "${p.group}"` : `section [${p.section}] is for group "${p.group}"`;
    data.warnings.push(
      new KplayError('KPLAY_INVENTORY', `${what}, which has no [${p.group}] section; it is created empty`, {
        loc: p.loc,
        hint: guess ? `did you mean "${guess}"?` : undefined,
      }),
    );
  }
}

function parseHostLine(raw: string, loc: SourceLoc, group: string, file: string, data: InventoryData): void {
  let words;
  try {
    words = shlexSplit(raw);
  } catch (err) {
    throw new KplayError('KPLAY_INVENTORY', `cannot parse host line: ${(err as Error).message}`, { loc });
  }
  if (words.length === 0) return;
  const [first, ...rest] = words;
  const spec = parseHostSpec(first!.text, loc);
  const names = expandHostRanges(spec.pattern, loc);
  const vars: [string, unknown, SourceLoc][] = [];
  for (const w of rest) {
    const eq = w.text.indexOf('=');
    if (eq <= 0) {
      throw new KplayError('KPLAY_INVENTORY', `expected key=value after the host name, got "${w.text}"`, {
        loc: { ...loc, col: w.start + 1 },
        hint: 'one host per line; host vars are written key=value',
      });
    }
    vars.push([w.text.slice(0, eq), parseIniValue(w.text.slice(eq + 1)), { ...loc, col: w.start + 1 }]);
  }
  for (const name of names) {
    data.addHost(name, group, file, loc);
    if (spec.port !== undefined) data.setHostVar(name, 'ansible_port', spec.port, loc);
    for (const [k, v, at] of vars) data.setHostVar(name, k, v, at);
  }
}

function parseVarLine(line: string, loc: SourceLoc, group: string, data: InventoryData): void {
  const eq = line.indexOf('=');
  if (eq <= 0) throw new KplayError('KPLAY_INVENTORY', `expected key=value in [${group}:vars], got "${line}"`, { loc });
  const key = line.slice(0, eq).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new KplayError('KPLAY_INVENTORY', `"${key}" is not a valid variable name`, { loc });
  }
  data.setGroupVar(group, key, parseIniValue(line.slice(eq + 1).trim()), loc);
}
