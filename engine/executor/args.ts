/**
 * Module arguments after templating: scalars are coerced to the schema's types (a rendered
 * `{{rc}}` is the number 0 where copy's content wants a string; `"yes"` is true where a boolean
 * is wanted), then validated strictly with the loader's own checks, so a problem reads exactly as
 * it would at load time (located at the argument, "did you mean", module.validate rules).
 */
import { createCompiler } from '../schema/compile.ts';
import { validateModuleArgs } from '../load/runtime.ts';
import type { KplayError, SourceLoc } from '../errors.ts';
import type { AnyModule, Vars } from '../../modules/api.ts';
import { isPlainObject, setOwn } from '../template/values.ts';

const coerce = createCompiler({ coerceTypes: true, allErrors: true, strict: false, validateSchema: false });

/** Returns the coerced arguments and the problems found (empty when they are valid). */
export function prepareArgs(module: AnyModule, rendered: Vars, loc: SourceLoc, argLocs: Record<string, SourceLoc>): { args: Vars; errors: KplayError[] } {
  // coercion changes the object in place, and unrendered parts of it are the task's own (shared by all hosts)
  const args = copyData(rendered) as Vars;
  coerce.compile(module.schema)(args);
  return { args, errors: validateModuleArgs(module.name, args, loc, argLocs, { [module.name]: module }) };
}

/**
 * A copy of the plain objects and arrays (what YAML and templates make); other values are kept.
 * structuredClone did the same at ~10x the cost, once per task and host.
 */
export function copyData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyData);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) setOwn(out, k, copyData(v[k]));
  return out;
}
