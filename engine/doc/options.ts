/**
 * A module's options, read from its argument schema (TypeBox output is plain JSON Schema). The
 * schema is the only source: what `kplay doc` shows is what the validator accepts.
 * Schemas are written by many hands, so every access is defensive: a shape this file does not
 * know renders as `any` instead of throwing.
 */
export interface OptionDoc {
  name: string;
  /** `string`, `integer`, `boolean`, `string | integer`, `list of string`, `object`, `any` … */
  type: string;
  required: boolean;
  default?: unknown;
  choices?: unknown[];
  description?: string;
  aliases: string[];
  /** Options of an object-valued option (one level deep). */
  suboptions?: OptionDoc[];
}

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function members(s: Schema): Schema[] | undefined {
  const list = s.anyOf ?? s.oneOf;
  return Array.isArray(list) ? list.filter(isSchema) : undefined;
}

/** Choices of a schema made only of constants (TypeBox Union of Literals, Enum, or JSON `enum`). */
export function schemaChoices(s: Schema): unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum;
  const m = members(s);
  if (m && m.length > 0 && m.every((x) => 'const' in x)) return m.map((x) => x.const);
  return undefined;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  object: 'object',
  array: 'list',
  null: 'null',
};

export function schemaType(s: unknown, depth = 0): string {
  if (!isSchema(s) || depth > 4) return 'any';
  if ('const' in s) return jsType(s.const);
  const choices = schemaChoices(s);
  if (choices) return unique(choices.map(jsType)).join(' | ');
  const m = members(s);
  if (m) return m.length ? unique(m.map((x) => schemaType(x, depth + 1))).join(' | ') : 'any';
  if (Array.isArray(s.type)) return unique(s.type.map((t) => TYPE_NAMES[String(t)] ?? String(t))).join(' | ');
  if (s.type === 'array') {
    const items = s.items;
    return isSchema(items) ? `list of ${wrapUnion(schemaType(items, depth + 1))}` : 'list';
  }
  if (typeof s.type === 'string') return TYPE_NAMES[s.type] ?? s.type;
  return 'any';
}

function wrapUnion(t: string): string {
  return t.includes(' | ') ? `(${t})` : t;
}

function jsType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** `Alias of path.` in a description marks an option as another's alias (the house convention). */
const ALIAS_OF = /^\s*alias (?:of|for) `?([\w-]+(?:\.[\w-]+)*)`?\.?\s*$/i;

interface ObjectShape {
  properties: Record<string, Schema>;
  required: Set<string>;
}

/** Properties of an object schema; for a union of objects, the merged properties (required in every branch). */
function objectShape(s: unknown, depth = 0): ObjectShape | undefined {
  if (!isSchema(s) || depth > 4) return undefined;
  if (isSchema(s.properties)) {
    const properties: Record<string, Schema> = {};
    for (const [k, v] of Object.entries(s.properties)) if (isSchema(v)) properties[k] = v;
    const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
    return { properties, required };
  }
  const branches = (members(s) ?? (Array.isArray(s.allOf) ? s.allOf.filter(isSchema) : []))
    .map((b) => objectShape(b, depth + 1))
    .filter((b): b is ObjectShape => b !== undefined);
  if (branches.length === 0) return undefined;
  const properties: Record<string, Schema> = {};
  for (const b of branches) for (const [k, v] of Object.entries(b.properties)) properties[k] ??= v;
  const everywhere = Array.isArray(s.allOf) ? (k: string) => branches.some((b) => b.required.has(k)) : (k: string) => branches.every((b) => b.required.has(k));
  return { properties, required: new Set(Object.keys(properties).filter(everywhere)) };
}

/** The options of a schema, in declaration order, aliases folded into the option they name. */
export function schemaOptions(schema: unknown, depth = 0): OptionDoc[] {
  const shape = objectShape(schema);
  if (!shape) return [];
  const options: OptionDoc[] = [];
  const aliasOf = new Map<string, string>();
  for (const [name, prop] of Object.entries(shape.properties)) {
    const target = typeof prop.description === 'string' ? ALIAS_OF.exec(prop.description)?.[1] : undefined;
    if (target && target !== name && target in shape.properties) aliasOf.set(name, target);
  }
  for (const [name, prop] of Object.entries(shape.properties)) {
    if (aliasOf.has(name)) continue;
    const declared = Array.isArray(prop.aliases) ? prop.aliases.map(String) : [];
    const folded = [...aliasOf].filter(([, t]) => t === name).map(([a]) => a);
    const opt: OptionDoc = {
      name,
      type: schemaType(prop),
      required: shape.required.has(name),
      aliases: unique([...declared, ...folded]),
    };
    if ('default' in prop) opt.default = prop.default;
    const choices = schemaChoices(prop);
    if (choices) opt.choices = choices;
    if (typeof prop.description === 'string' && prop.description.trim() !== '') opt.description = prop.description.trim();
    if (depth < 1) {
      const itemSchema = prop.type === 'array' ? prop.items : prop;
      const sub = schemaOptions(itemSchema, depth + 1);
      if (sub.length) opt.suboptions = sub;
    }
    options.push(opt);
  }
  return options;
}

/** A value as it would be written in YAML: strings bare unless they need quotes. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v === '' || /^[\s'"]|[\s]$|^(yes|no|true|false|null|~|\d.*)$/i.test(v) || v.includes(': ') ? JSON.stringify(v) : v;
  if (v === undefined) return '';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
