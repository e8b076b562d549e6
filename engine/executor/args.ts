/**
 * Module arguments after templating: scalars are coerced to the schema's types (a rendered
 * `{{rc}}` is the number 0 where copy's content wants a string; `"yes"` is true where a boolean
 * is wanted), then validated strictly. Load time already checked everything that held no template.
 */
import type { ErrorObject } from 'ajv';
import { createCompiler } from '../schema/compile.ts';
import type { AnyModule, Vars } from '../../modules/api.ts';

const compiler = createCompiler({ coerceTypes: true, allErrors: true, strict: false, validateSchema: false });

function describe(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') return `unknown argument '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
  if (e.keyword === 'required') return `missing required argument '${String((e.params as { missingProperty: string }).missingProperty)}'`;
  return `argument '${path || '(args)'}' ${e.message ?? 'is invalid'}`;
}

/** Returns the coerced arguments, or the problems found, one line each. */
export function prepareArgs(module: AnyModule, rendered: Vars): { args: Vars; errors: string[] } {
  const validate = compiler.compile(module.schema);
  const args = structuredClone(rendered);
  if (!validate(args)) return { args, errors: (validate.errors ?? []).map(describe) };
  const extra = module.validate ? module.validate(args).map((p) => (p.key ? `argument '${p.key}': ${p.message}` : p.message)) : [];
  return { args, errors: extra };
}
