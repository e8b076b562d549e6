/**
 * ajv, compiled once per schema, and the mapping of its errors to one located line each:
 * unknown key (with "did you mean"), missing required key, wrong type, not one of the allowed values.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createCompiler } from '../schema/compile.ts';
import type { TSchema } from '@sinclair/typebox';
import { KplayError, didYouMean, type KplayErrorCode, type SourceLoc } from '../errors.ts';
import { isTemplate } from '../template/render.ts';

// verbose: errors carry parentSchema, which gives the known keys for "did you mean".
// validateSchema off: our schemas are TypeBox-built and tested; checking each against the meta-schema doubled compile time
const compiler = createCompiler({ allErrors: true, strict: false, verbose: true, validateSchema: false });

export function compileSchema(schema: TSchema | Record<string, unknown>): ValidateFunction {
  return compiler.compile(schema);
}

export type Segment = string | number;

export interface ErrorMapping {
  /** Where a path points; `want: 'key'` for "unknown key" errors. */
  locate(path: Segment[], want: 'key' | 'value'): SourceLoc | undefined;
  /** What the keys are called: 'argument', 'keyword', 'role parameter' … */
  noun: string;
  /** Appended to unknown-key messages, e.g. "for module file". */
  context?: string;
  /** Load time: a template string stands in for any type (it is rendered later). */
  lenientTemplates: boolean;
  /** Extra candidates for "did you mean" at the top level (module names for task keywords). */
  topCandidates?: Iterable<string>;
  code?: KplayErrorCode;
}

/** Validate and map errors; [] when valid. */
export function validateWith(schema: TSchema | Record<string, unknown>, data: unknown, map: ErrorMapping): KplayError[] {
  const validate = compileSchema(schema);
  if (validate(data)) return [];
  return mapAjvErrors(validate.errors ?? [], data, map);
}

function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, path: Segment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[String(seg)];
  }
  return node;
}

/** `env.PATH`, `loop_control.label`, `dependencies[0].role`. */
export function describePath(path: Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const JSON_TYPE_NAMES: Record<string, string> = { array: 'list', object: 'mapping' };

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

const TYPEISH = new Set(['type', 'const', 'enum', 'anyOf', 'oneOf']);

function constraintMessage(e: ErrorObject, name: string, value: unknown): string {
  const expected = (e.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
  if (typeof expected === 'string') return `'${name}' must be ${expected}, got ${show(value)}`;
  return `'${name}' ${e.message ?? 'is invalid'}${typeof value === 'string' || typeof value === 'number' ? `, got ${show(value)}` : ''}`;
}

export function mapAjvErrors(errors: ErrorObject[], data: unknown, map: ErrorMapping): KplayError[] {
  const code = map.code ?? 'KPLAY_SCHEMA';
  const groups = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const list = groups.get(e.instancePath) ?? [];
    list.push(e);
    groups.set(e.instancePath, list);
  }
  const paths = [...groups.keys()];
  const out: KplayError[] = [];
  const err = (message: string, path: Segment[], want: 'key' | 'value', hint?: string) =>
    out.push(new KplayError(code, message, { loc: map.locate(path, want), hint }));

  for (const [pointer, errs] of groups) {
    const path = splitPointer(pointer);
    const value = valueAt(data, path);
    if (map.lenientTemplates && typeof value === 'string' && isTemplate(value)) continue;
    const where = describePath(path);
    const typeish: ErrorObject[] = [];
    // A union branch of the right type that failed a constraint (pattern, minimum) says more than "wrong type".
    const hasUnion = errs.some((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
    const constraintInBranch = errs.filter((e) => hasUnion && !TYPEISH.has(e.keyword) && e.keyword !== 'additionalProperties' && e.keyword !== 'required');
    for (const e of errs) {
      switch (e.keyword) {
        case 'additionalProperties': {
          const key = String((e.params as { additionalProperty: string }).additionalProperty);
          const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
          const candidates = [...Object.keys(props), ...(path.length === 0 ? [...(map.topCandidates ?? [])] : [])];
          const guess = didYouMean(key, candidates);
          const full = describePath([...path, key]);
          err(`unknown ${map.noun} '${full}'${map.context ? ` ${map.context}` : ''}${guess ? ` (did you mean '${guess}'?)` : ''}`, [...path, key], 'key');
          break;
        }
        case 'required': {
          const key = String((e.params as { missingProperty: string }).missingProperty);
          err(`missing required ${map.noun} '${describePath([...path, key])}'${map.context ? ` ${map.context}` : ''}`, path, 'value');
          break;
        }
        case 'type':
        case 'const':
        case 'enum':
        case 'anyOf':
        case 'oneOf':
          typeish.push(e);
          break;
        default:
          err(constraintMessage(e, where || map.noun, value), path, 'value');
      }
    }
    if (typeish.length === 0 || constraintInBranch.length > 0) continue;
    // An object or list that failed inside explains itself through the deeper errors.
    const hasDeeper = paths.some((p) => p !== pointer && p.startsWith(pointer + '/'));
    if (hasDeeper && typeof value === 'object' && value !== null) continue;
    const types = new Set<string>();
    const allowed: unknown[] = [];
    for (const e of typeish) {
      if (e.keyword === 'type') {
        const t = (e.params as { type: string | string[] }).type;
        for (const one of Array.isArray(t) ? t : [t]) types.add(JSON_TYPE_NAMES[one] ?? one);
      } else if (e.keyword === 'const') allowed.push((e.params as { allowedValue: unknown }).allowedValue);
      else if (e.keyword === 'enum') allowed.push(...(e.params as { allowedValues: unknown[] }).allowedValues);
    }
    const name = where || map.noun;
    // A single-typed value that says what it wants in words (a boolean's accepted forms).
    const expected = typeish.length === 1 ? (typeish[0]!.parentSchema as Record<string, unknown> | undefined)?.['x-expected'] : undefined;
    if (typeof expected === 'string') {
      err(`'${name}' must be ${expected}, got ${typeName(value)}${typeof value === 'string' || typeof value === 'number' ? ` ${show(value)}` : ''}`, path, 'value');
      continue;
    }
    if (allowed.length > 0 && (types.size === 0 || allowed.every((a) => types.has(typeName(a)) === false))) {
      const extra = types.size > 0 ? ` or a ${[...types].join(' or ')}` : '';
      err(`'${name}' must be one of: ${allowed.map((a) => String(a)).join(', ')}${extra}; got ${show(value)}`, path, 'value');
    } else if (types.size > 0) {
      const hint =
        types.has('string') && (typeof value === 'boolean' || typeof value === 'number')
          ? `quote it if you mean a string: YAML reads yes/no/on/off/true/false as booleans and 0755 or 1.10 as numbers`
          : undefined;
      err(`'${name}' must be ${[...types].join(' or ')}, got ${typeName(value)}${typeof value === 'string' || typeof value === 'number' ? ` ${show(value)}` : ''}`, path, 'value', hint);
    } else {
      err(`'${name}' ${typeish[0]!.message ?? 'is invalid'}`, path, 'value');
    }
  }
  return out;
}
