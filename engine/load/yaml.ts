/**
 * YAML with a source position for every node. js-yaml 5 gives a flat event stream with offsets;
 * we build the values with js-yaml's own constructor (so tags, anchors and merges behave as
 * usual) and walk the same events beside it to remember where each key, value and item starts
 * (yaml-positions.ts keeps them and answers "where is this?").
 */
import { readFileSync, statSync } from 'node:fs';
import {
  constructFromEvents,
  defineScalarTag,
  EVENT_ID,
  getScalarValue,
  mergeTag,
  NOT_RESOLVED,
  parseEvents,
  YAML11_SCHEMA,
  YAMLException,
  type Event,
  type ScalarEvent,
} from 'js-yaml';
import { KplayError, KplayErrors, type SourceLoc } from '../errors.ts';
import { isObject, rememberPositions, type NodePositions } from './yaml-positions.ts';


/**
 * PyYAML's YAML 1.1 booleans, which Ansible uses: yes/no/on/off/true/false in three casings, but
 * not js-yaml's `y`/`n` (a key or value `y` stays a string, as in Ansible).
 */
const ansibleBoolTag = defineScalarTag<boolean>('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O'],
  resolve: (s) => (/^(yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(s) ? true : /^(no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(s) ? false : NOT_RESOLVED),
  identify: (d) => typeof d === 'boolean',
  represent: (d) => (d ? 'true' : 'false'),
});

/** Ansible reads YAML 1.1 (`yes`/`no` are booleans, 0755 is octal); `<<` merges are common in inventories. */
const SCHEMA = YAML11_SCHEMA.withTags(mergeTag, ansibleBoolTag);

export interface ParsedYaml {
  /** The first document's value (undefined for an empty file or on a syntax error). */
  value: unknown;
  errors: KplayError[];
}

/** Offsets → 1-based line:col. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(
    readonly file: string,
    source: string,
  ) {
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  loc(offset: number): SourceLoc {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

/**
 * Limits that keep a hostile or broken YAML file from exhausting the controller (docs/playbooks.md,
 * "Limits"). A file over MAX_YAML_BYTES is refused before it is read; collections nest at most
 * MAX_YAML_DEPTH levels; aliases (`*name`, `<<: *name`) may bring at most MAX_ALIAS_NODES nodes
 * into a document in total, counting each alias as the full size of what it refers to — so an
 * alias bomb (nine levels of ten-fold aliases: 10^9 nodes) stops at the alias that crosses it.
 */
export const MAX_YAML_BYTES = 8 * 1024 * 1024;
export const MAX_YAML_DEPTH = 100;
export const MAX_ALIAS_NODES = 100_000;

/** Parse YAML source; every syntax error, tab and duplicate key comes back located. */
export function parseYaml(source: string, file: string): ParsedYaml {
  if (source.length > MAX_YAML_BYTES / 4 && Buffer.byteLength(source) > MAX_YAML_BYTES) {
    return { value: undefined, errors: [tooLarge(file, Buffer.byteLength(source))] };
  }
  const lines = new LineIndex(file, source);
  let events: Event[];
  try {
    events = parseEvents(source, { filename: file, maxDepth: MAX_YAML_DEPTH });
  } catch (err) {
    return { value: undefined, errors: [yamlError(err, file)] };
  }
  const bomb = checkAliasExpansion(events, source, lines);
  if (bomb) return { value: undefined, errors: [bomb] };
  const errors = findDuplicateKeys(events, source, lines);
  let docs: unknown[];
  try {
    // json: true lets duplicates override instead of throwing: we report all of them ourselves.
    docs = constructFromEvents(events, { source, filename: file, schema: SCHEMA, json: true });
  } catch (err) {
    return { value: undefined, errors: [...errors, yamlError(err, file)] };
  }
  if (docs.length > 1) {
    errors.push(new KplayError('KPLAY_YAML', 'more than one YAML document in the file (--- separator); kplay reads one', { loc: { file, line: 1, col: 1 } }));
  }
  const value = docs[0];
  recordPositions(events, value, source, lines);
  return { value, errors };
}

/** parseYaml for callers with no error list of their own (kplay.yml, `-e '{…}'`): throws them all, located. */
export function parseYamlOrThrow(source: string, file: string): unknown {
  const { value, errors } = parseYaml(source, file);
  if (errors.length) throw new KplayErrors(errors);
  return value;
}

/** Read and parse a YAML file. A missing file is the caller's business (it knows who referenced it). */
export function readYamlFile(file: string): ParsedYaml {
  const size = statSync(file).size;
  if (size > MAX_YAML_BYTES) return { value: undefined, errors: [tooLarge(file, size)] };
  return parseYaml(readFileSync(file, 'utf8'), file);
}

function tooLarge(file: string, size: number): KplayError {
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new KplayError('KPLAY_YAML', `the file is ${mib(size)}; kplay reads YAML files up to ${mib(MAX_YAML_BYTES)}`, {
    loc: { file, line: 1, col: 1 },
    hint: 'split it (vars_files, include_tasks, group_vars/ directories) or keep bulk data in files that modules copy',
  });
}

/**
 * Count the nodes each document would hold with every alias expanded, without expanding
 * anything: an anchored node's expanded size is remembered, an alias adds that size. Returns a
 * located error at the first alias that brings the total past MAX_ALIAS_NODES.
 */
function checkAliasExpansion(events: Event[], source: string, lines: LineIndex): KplayError | undefined {
  const anchorSize = new Map<string, number>();
  // Open collections: their expanded size so far and their anchor name, if any.
  const open: { size: number; anchor?: string }[] = [];
  let aliased = 0;
  const anchorOf = (ev: { anchorStart: number; anchorEnd: number }): string | undefined =>
    ev.anchorStart >= 0 ? source.slice(ev.anchorStart, ev.anchorEnd) : undefined;
  const close = (size: number, anchor?: string): void => {
    if (anchor !== undefined) anchorSize.set(anchor, size);
    const parent = open[open.length - 1];
    if (parent) parent.size += size;
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        anchorSize.clear();
        open.length = 0;
        aliased = 0;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        open.push({ size: 1, anchor: anchorOf(ev) });
        break;
      case EVENT_ID.POP: {
        const done = open.pop();
        if (done) close(done.size, done.anchor);
        break;
      }
      case EVENT_ID.SCALAR:
        close(1, anchorOf(ev));
        break;
      case EVENT_ID.ALIAS: {
        const size = anchorSize.get(source.slice(ev.anchorStart, ev.anchorEnd)) ?? 1;
        aliased += size;
        if (aliased > MAX_ALIAS_NODES) {
          return new KplayError('KPLAY_YAML', `YAML aliases expand to more than ${MAX_ALIAS_NODES} nodes (this alias alone stands for ${size})`, {
            loc: lines.loc(eventStart(ev)),
            hint: 'an alias repeats everything its anchor holds; nested aliases multiply (a "billion laughs" document)',
          });
        }
        close(size);
        break;
      }
    }
  }
  return undefined;
}

function yamlError(err: unknown, file: string): KplayError {
  if (err instanceof YAMLException) {
    const loc = err.mark ? { file, line: err.mark.line + 1, col: err.mark.column + 1 } : { file, line: 1, col: 1 };
    if (/maxDepth/.test(err.reason)) {
      return new KplayError('KPLAY_YAML', `YAML nests deeper than ${MAX_YAML_DEPTH} levels`, { loc, cause: err });
    }
    const hint = /tab characters/.test(err.reason) ? 'indent with spaces; YAML does not allow tabs for indentation' : undefined;
    return new KplayError('KPLAY_YAML', `YAML: ${err.reason}`, { loc, hint, cause: err });
  }
  return new KplayError('KPLAY_YAML', `YAML: ${String(err)}`, { loc: { file, line: 1, col: 1 }, cause: err });
}

function scalarStart(ev: ScalarEvent): number {
  // Quoted scalars report the offset inside the quote; point at the quote itself.
  const quoted = ev.style === 2 || ev.style === 3;
  const start = quoted ? ev.valueStart - 1 : ev.valueStart;
  return ev.anchorStart >= 0 ? Math.min(start, ev.anchorStart - 1) : ev.tagStart >= 0 ? Math.min(start, ev.tagStart) : start;
}

function eventStart(ev: Event): number {
  switch (ev.type) {
    case EVENT_ID.SCALAR:
      return scalarStart(ev);
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return ev.anchorStart >= 0 ? Math.min(ev.start, ev.anchorStart - 1) : ev.start;
    case EVENT_ID.ALIAS:
      return ev.anchorStart - 1;
    default:
      return 0;
  }
}

/** Index just past the subtree that starts at events[i]. */
function skipNode(events: Event[], i: number): number {
  const ev = events[i]!;
  if (ev.type !== EVENT_ID.MAPPING && ev.type !== EVENT_ID.SEQUENCE) return i + 1;
  let depth = 0;
  for (let j = i; j < events.length; j++) {
    const t = events[j]!.type;
    if (t === EVENT_ID.MAPPING || t === EVENT_ID.SEQUENCE) depth++;
    else if (t === EVENT_ID.POP && --depth === 0) return j + 1;
  }
  return events.length;
}

function keyText(events: Event[], i: number, source: string): string | undefined {
  const ev = events[i]!;
  return ev.type === EVENT_ID.SCALAR ? getScalarValue(source, ev) : undefined;
}

function findDuplicateKeys(events: Event[], source: string, lines: LineIndex): KplayError[] {
  const errors: KplayError[] = [];
  // A stack of open collections; mappings track their keys and whether the next event is a key.
  const stack: { map: boolean; seen: Map<string, number>; expectKey: boolean }[] = [];
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const top = stack[stack.length - 1];
    if (ev.type === EVENT_ID.POP) {
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent?.map) parent.expectKey = !parent.expectKey;
      continue;
    }
    if (ev.type === EVENT_ID.DOCUMENT) {
      stack.push({ map: false, seen: new Map(), expectKey: false });
      continue;
    }
    const isKey = top?.map === true && top.expectKey;
    if (isKey) {
      const text = keyText(events, i, source);
      if (text !== undefined && text !== '<<') {
        const start = eventStart(ev);
        const first = top.seen.get(text);
        if (first !== undefined) {
          const firstLine = lines.loc(first).line;
          errors.push(new KplayError('KPLAY_YAML', `duplicate key '${text}' (first defined on line ${firstLine})`, { loc: lines.loc(start) }));
        } else top.seen.set(text, start);
      }
    }
    if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      stack.push({ map: ev.type === EVENT_ID.MAPPING, seen: new Map(), expectKey: true });
      continue;
    }
    if (top?.map) top.expectKey = !top.expectKey;
  }
  return errors;
}

/** Walk the events beside the constructed value and record positions of every collection. */
function recordPositions(events: Event[], value: unknown, source: string, lines: LineIndex): void {
  let i = 0;
  while (i < events.length && events[i]!.type !== EVENT_ID.DOCUMENT) i++;
  if (i >= events.length) return;
  i++;
  if (i < events.length && events[i]!.type !== EVENT_ID.POP) walk(i, value);

  // Returns the index after the node.
  function walk(at: number, val: unknown): number {
    const ev = events[at]!;
    if (ev.type === EVENT_ID.MAPPING) {
      const pos: NodePositions = { loc: lines.loc(eventStart(ev)), keys: new Map(), items: [] };
      rememberPositions(val, pos);
      let j = at + 1;
      while (j < events.length && events[j]!.type !== EVENT_ID.POP) {
        const key = keyText(events, j, source);
        const keyStart = lines.loc(eventStart(events[j]!));
        j = skipNode(events, j);
        const valueEv = events[j]!;
        if (key === undefined || key === '<<' || !isObject(val)) {
          j = skipNode(events, j);
          continue;
        }
        pos.keys.set(key, { key: keyStart, value: lines.loc(eventStart(valueEv)) });
        j = walk(j, (val as Record<string, unknown>)[key]);
      }
      return j + 1;
    }
    if (ev.type === EVENT_ID.SEQUENCE) {
      const pos: NodePositions = { loc: lines.loc(eventStart(ev)), keys: new Map(), items: [] };
      rememberPositions(val, pos);
      let j = at + 1;
      let idx = 0;
      while (j < events.length && events[j]!.type !== EVENT_ID.POP) {
        pos.items.push(lines.loc(eventStart(events[j]!)));
        j = walk(j, Array.isArray(val) ? val[idx] : undefined);
        idx++;
      }
      return j + 1;
    }
    return at + 1;
  }
}
