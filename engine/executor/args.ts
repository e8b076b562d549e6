/**
 * Module arguments after templating: scalars are coerced to the schema's types (a rendered
 * `{{rc}}` is the number 0 where copy's content wants a string; `"yes"` is true where a boolean
 * is wanted), then validated strictly. Load time already checked everything that held no template.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { AnyModule, Vars } from '../../modules/api.ts';

const ajv = new Ajv({ coerceTypes: true, allErrors: true, strict: false, validateSchema: false });
const compiled = new WeakMap<AnyModule, ValidateFunction>();

function describe(e: ErrorObject): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') return `unknown argument '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
  if (e.keyword === 'required') return `missing required argument '${String((e.params as { missingProperty: string }).missingProperty)}'`;
  return `argument '${path || '(args)'}' ${e.message ?? 'is invalid'}`;
}

/** Returns the coerced arguments, or the problems found, one line each. */
export function prepareArgs(module: AnyModule, rendered: Vars): { args: Vars; errors: string[] } {
  let validate = compiled.get(module);
  if (!validate) {
    validate = ajv.compile(module.schema);
    compiled.set(module, validate);
  }
  const args = structuredClone(rendered);
  if (!validate(args)) return { args, errors: (validate.errors ?? []).map(describe) };
  const extra = module.validate ? module.validate(args).map((p) => (p.key ? `argument '${p.key}': ${p.message}` : p.message)) : [];
  return { args, errors: extra };
}
