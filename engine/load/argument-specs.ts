/**
 * Role argument_specs (Ansible's format) → JSON Schema, validated with ajv against the role's
 * defaults, vars and call parameters before any host is touched. Conversions follow Ansible's
 * lenient ones (an int option accepts "8", a bool option accepts "yes").
 */
type JsonSchema = Record<string, unknown>;

interface OptionSpec {
  type?: string;
  required?: boolean;
  choices?: unknown[];
  elements?: string;
  options?: Record<string, OptionSpec>;
}

const BOOL_STRING = '^([Yy]es|YES|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF|[yYnN]|1|0)$';

function typeSchema(type: string | undefined, elements?: string, options?: Record<string, OptionSpec>): JsonSchema {
  switch (type) {
    case undefined:
    case 'str':
      return { type: ['string', 'number'] };
    case 'path':
      return { type: 'string' };
    case 'int':
      return { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$', 'x-expected': 'an integer' }] };
    case 'float':
      return { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', 'x-expected': 'a number' }] };
    case 'bool':
      return { anyOf: [{ type: 'boolean' }, { type: 'string', pattern: BOOL_STRING, 'x-expected': 'a boolean (true/false, yes/no)' }] };
    case 'list':
      return { type: 'array', ...(elements ? { items: typeSchema(elements, undefined, options) } : {}) };
    case 'dict':
      return options ? optionsSchema(options, false) : { type: 'object' };
    default:
      return {};
  }
}

function optionSchema(spec: OptionSpec): JsonSchema {
  const s = typeSchema(spec.type, spec.elements, spec.options);
  if (Array.isArray(spec.choices)) {
    if (spec.type === 'list') return { ...s, items: { enum: spec.choices } };
    return { enum: spec.choices };
  }
  return s;
}

const converted = new WeakMap<object, JsonSchema>();

/** The top-level schema of a role entry point, converted once per spec object (ajv compiles it once). */
export function roleParamsSchema(options: Record<string, OptionSpec>): JsonSchema {
  let s = converted.get(options);
  if (!s) {
    s = optionsSchema(options, true);
    converted.set(options, s);
  }
  return s;
}

/** `options:` → an object schema. The top level allows other variables (role internals). */
export function optionsSchema(options: Record<string, OptionSpec>, allowOthers: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(options ?? {})) {
    if (typeof spec !== 'object' || spec === null) continue;
    properties[name] = optionSchema(spec);
    if (spec.required === true) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: allowOthers };
}

export type { OptionSpec };
