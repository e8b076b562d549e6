/**
 * A task's module call: its arguments normalised to a mapping (free-form strings, `k=v` strings,
 * the `args:` keyword) and validated against the module's own schema, at load time (a template
 * string stands in for any type) and at run time (strict, after templating).
 */
import type { TSchema } from '@sinclair/typebox';
import { KplayError, didYouMean, type SourceLoc } from '../errors.ts';
import type { AnyModule } from '../../modules/api.ts';
import type { Vars } from '../playbook/model.ts';
import { extractKnownKv, parseKv, type KvToken } from './kv.ts';
import { validateWith, type Segment } from './schema-errors.ts';
import { keyLoc, locAtPath, valueLoc } from './yaml-positions.ts';

export interface NormalisedArgs {
  args: Vars;
  argLocs: Record<string, SourceLoc>;
  /** Locate a path inside the arguments (for errors). */
  locate(path: Segment[], want: 'key' | 'value'): SourceLoc | undefined;
  errors: KplayError[];
}

function schemaProps(schema: TSchema): Record<string, TSchema> {
  return ((schema as { properties?: Record<string, TSchema> }).properties ?? {}) as Record<string, TSchema>;
}

function schemaTypes(s: TSchema | undefined): Set<string> {
  const out = new Set<string>();
  if (!s) return out;
  const t = (s as { type?: string | string[] }).type;
  if (typeof t === 'string') out.add(t);
  else if (Array.isArray(t)) t.forEach((x) => out.add(x));
  for (const sub of [...((s as { anyOf?: TSchema[] }).anyOf ?? []), ...((s as { oneOf?: TSchema[] }).oneOf ?? [])]) schemaTypes(sub).forEach((x) => out.add(x));
  return out;
}

/** `k=v` values are strings; convert them the way Ansible does when the schema wants a bool or number. */
function coerceKv(value: string, prop: TSchema | undefined): unknown {
  const types = schemaTypes(prop);
  if (types.has('string') || types.size === 0) return value;
  if (types.has('boolean')) {
    if (/^(yes|true|on|1)$/i.test(value)) return true;
    if (/^(no|false|off|0)$/i.test(value)) return false;
  }
  if ((types.has('integer') || types.has('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

function kvToArgs(tokens: KvToken[], schema: TSchema): Vars {
  const props = schemaProps(schema);
  const out: Vars = {};
  for (const t of tokens) out[t.key] = coerceKv(t.value, props[t.key]);
  return out;
}

/**
 * Normalise the value under the module key. `task` is the task mapping (for locations), `argsKw`
 * the `args:` keyword value if any.
 */
export function normaliseArgs(def: AnyModule, task: Record<string, unknown>, moduleKey: string, argsKw: unknown): NormalisedArgs {
  const raw = task[moduleKey];
  const errors: KplayError[] = [];
  const moduleValueLoc = valueLoc(task, moduleKey) ?? keyLoc(task, moduleKey);
  const args: Vars = {};
  const argLocs: Record<string, SourceLoc> = {};
  // Which YAML mapping each top-level argument came from, for precise locations.
  const sources = new Map<string, unknown>();
  const fromString = new Map<string, SourceLoc | undefined>();

  const addString = (text: string, loc: SourceLoc | undefined) => {
    if (def.freeForm) {
      const known = new Set(Object.keys(schemaProps(def.schema)).filter((k) => k !== def.freeForm));
      const { rest, tokens } = extractKnownKv(text, known);
      Object.assign(args, kvToArgs(tokens, def.schema));
      for (const t of tokens) fromString.set(t.key, loc);
      if (rest !== '') {
        args[def.freeForm] = rest;
        fromString.set(def.freeForm, loc);
      }
      return;
    }
    const tokens = parseKv(text);
    if (!tokens) {
      errors.push(
        new KplayError('KPLAY_SCHEMA', `module ${def.name} takes a mapping of arguments or key=value pairs, not free-form text`, {
          loc,
          hint: `write it as:\n  ${def.name}:\n    key: value`,
        }),
      );
      return;
    }
    Object.assign(args, kvToArgs(tokens, def.schema));
    for (const t of tokens) fromString.set(t.key, loc);
  };

  const addMapping = (map: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(map)) {
      args[k] = v;
      sources.set(k, map);
    }
  };

  if (typeof raw === 'string') addString(raw, moduleValueLoc);
  else if (typeof raw === 'number' || typeof raw === 'boolean') addString(String(raw), moduleValueLoc);
  else if (Array.isArray(raw)) errors.push(new KplayError('KPLAY_SCHEMA', `module ${def.name} takes a mapping of arguments, got a list`, { loc: moduleValueLoc }));
  else if (typeof raw === 'object' && raw !== null) addMapping(raw as Record<string, unknown>);

  if (typeof argsKw === 'object' && argsKw !== null && !Array.isArray(argsKw)) {
    for (const [k, v] of Object.entries(argsKw as Record<string, unknown>)) {
      if (k in args) continue; // the module key's own arguments win
      args[k] = v;
      sources.set(k, argsKw);
    }
  } else if (typeof argsKw === 'string') addString(argsKw, valueLoc(task, 'args'));

  const locate = (path: Segment[], want: 'key' | 'value'): SourceLoc | undefined => {
    if (path.length === 0) return moduleValueLoc;
    const top = String(path[0]);
    const src = sources.get(top);
    if (src) return locAtPath(src, path, want);
    return fromString.get(top) ?? moduleValueLoc;
  };
  for (const k of Object.keys(args)) {
    const l = locate([k], 'key');
    if (l) argLocs[k] = l;
  }
  return { args, argLocs, locate, errors };
}

/** Schema + the module's own validate() hook. */
export function checkArgs(
  def: AnyModule,
  args: Vars,
  locate: (path: Segment[], want: 'key' | 'value') => SourceLoc | undefined,
  lenientTemplates: boolean,
): KplayError[] {
  const errors = validateWith(def.schema, args, { locate, noun: 'argument', context: `for module ${def.name}`, lenientTemplates });
  if (errors.length > 0 || !def.validate) return errors;
  try {
    for (const problem of def.validate(args)) {
      // at load time a templated value is not known yet: it is checked again once rendered (runtime.ts)
      if (lenientTemplates && problem.key !== undefined && holdsTemplate(args[problem.key])) continue;
      errors.push(new KplayError('KPLAY_SCHEMA', `${def.name}: ${problem.message}`, { loc: locate(problem.key ? [problem.key] : [], 'value') }));
    }
  } catch (err) {
    errors.push(new KplayError('KPLAY_INTERNAL', `module ${def.name}: validate() threw: ${String(err)}`, { loc: locate([], 'value'), cause: err }));
  }
  return errors;
}

function holdsTemplate(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{');
  if (Array.isArray(v)) return v.some(holdsTemplate);
  if (v !== null && typeof v === 'object') return Object.values(v).some(holdsTemplate);
  return false;
}

export function unknownModuleError(name: string, modules: Record<string, AnyModule>, loc: SourceLoc | undefined): KplayError {
  const guess = didYouMean(name, Object.keys(modules));
  return new KplayError('KPLAY_UNKNOWN_MODULE', `unknown module '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`, { loc });
}
