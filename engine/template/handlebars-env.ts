/**
 * The Handlebars environment: strict, noEscape, our helpers, and a compile cache keyed by source
 * (the executor renders every task's args for every host; compiling is the expensive part).
 *
 * Templates are rewritten at the AST level before compiling:
 * - every `{{expr}}` becomes `{{__out expr}}`, so lists and dicts read as JSON inside a string;
 * - a template that is one lone `{{expr}}` becomes `{{__native expr}}`, which hands the value itself
 *   back (a list stays a list, `{{default x 5}}` stays the number 5);
 * - the first argument of `default`/`defined`/`mandatory` becomes a soft lookup, so that strict
 *   mode does not throw before the helper can supply the default.
 */
import Handlebars from 'handlebars';
import { HELPERS, SOFT_FIRST_ARG, type HelperOptions } from './helpers.ts';
import { stringify } from './values.ts';
import type { RenderContext } from './render.ts';

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type MustacheStatement = hbs.AST.MustacheStatement;
type BlockStatement = hbs.AST.BlockStatement;
type SubExpression = hbs.AST.SubExpression;
type Hash = hbs.AST.Hash;

/** Per-render data, reachable from helpers as options.data.kplay. */
export interface RenderData {
  ctx: RenderContext;
  /** Where `__native` leaves the value of a lone expression. */
  native?: { value: unknown };
}

export const env = Handlebars.create();

const HELPER_NAMES = new Set([...Object.keys(HELPERS), 'if', 'unless', 'each', 'with', 'lookup', 'log']);

env.registerHelper(HELPERS as unknown as Record<string, Handlebars.HelperDelegate>);
env.registerHelper('__out', (value: unknown) => stringify(value));
env.registerHelper('__native', (value: unknown, options: HelperOptions) => {
  const data = options.data?.kplay as RenderData | undefined;
  if (data?.native) data.native.value = value;
  return '';
});
env.registerHelper('__soft', function (this: unknown, ...args: unknown[]) {
  const options = args.pop() as HelperOptions;
  const [origin, ...parts] = args as string[];
  let cur: unknown = origin === 'data' ? options.data : this;
  for (const part of parts) {
    if (cur === undefined || cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
});

/** Helper names usable in templates (for "unknown helper, did you mean" hints). */
export function helperNames(): Set<string> {
  return HELPER_NAMES;
}

type AnyHelper = (this: unknown, ...args: unknown[]) => unknown;
type RuntimeOptions = Handlebars.RuntimeOptions;

/**
 * Handlebars re-wraps every registered helper on every top-level template call (≈90 closures, the
 * hot spot of rendering task args). A call made in its "partial" mode takes helpers, hooks and the
 * prototype-access policy ready-made instead, so they are prepared once here. This relies on the
 * runtime contract of Handlebars 4.x (the same one that invokePartial uses).
 */
interface Prepared {
  partial: true;
  helpers: Record<string, AnyHelper>;
  hooks: Record<string, AnyHelper>;
  partials: Record<string, never>;
  decorators: Record<string, never>;
  protoAccessControl: unknown;
}
let prepared: Prepared | undefined;
function runtimeOptions(): Prepared {
  if (prepared) return prepared;
  // No wrapping with options.lookupProperty: only Handlebars' built-in `lookup` reads it, and ours replaces it.
  const all = env.helpers as unknown as Record<string, AnyHelper>;
  const helpers: Record<string, AnyHelper> = {};
  for (const [name, helper] of Object.entries(all)) {
    if (name !== 'helperMissing' && name !== 'blockHelperMissing') helpers[name] = helper;
  }
  const hooks = { helperMissing: all.helperMissing!, blockHelperMissing: all.blockHelperMissing! };
  // Deny all prototype properties and methods (Handlebars' default, without its console warnings).
  const properties = Object.create(null) as Record<string, boolean>;
  properties['__proto__'] = false;
  const methods = Object.create(null) as Record<string, boolean>;
  for (const m of ['constructor', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']) methods[m] = false;
  const protoAccessControl = { properties: { whitelist: properties, defaultValue: false }, methods: { whitelist: methods, defaultValue: false } };
  prepared = { partial: true, helpers, hooks, partials: {}, decorators: {}, protoAccessControl };
  return prepared;
}

export type CompiledTemplate = { native: boolean; run: (context: unknown, data: RenderData) => string };

const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;
const CACHE_LIMIT = 20_000;
const cache = new Map<string, CompiledTemplate>();

/** Parse (throws Handlebars' parse error) — shared by compile and the load-time check. */
export function parse(source: string): Program {
  return env.parse(source);
}

/** Compile once per distinct source. Throws Handlebars' parse error, or what `validate` throws on first sight of a source. */
export function compile(source: string, validate?: (source: string) => void): CompiledTemplate {
  let compiled = cache.get(source);
  if (compiled) return compiled;
  validate?.(source);
  const ast = parse(source);
  const native = loneMustache(ast);
  let program: Program;
  if (native) {
    program = { ...ast, body: [mustache('__native', rewriteExpr(valueOf(native), []), native)] };
  } else {
    program = rewriteProgram(ast, []);
  }
  const template = env.compile(program as unknown as string, COMPILE_OPTIONS);
  compiled = {
    native: native !== undefined,
    run: (context, data) => {
      const r = runtimeOptions();
      return template(context, {
        partial: r.partial,
        helpers: r.helpers,
        hooks: r.hooks,
        partials: r.partials,
        decorators: r.decorators,
        protoAccessControl: r.protoAccessControl,
        data: { root: context, kplay: data },
      } as RuntimeOptions);
    },
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

/** The one mustache of a template that is `{{expr}}` and nothing else (whitespace around is ignored). */
function loneMustache(ast: Program): MustacheStatement | undefined {
  let found: MustacheStatement | undefined;
  for (const s of ast.body) {
    if (s.type === 'ContentStatement' && /^\s*$/.test((s as hbs.AST.ContentStatement).value)) continue;
    if (s.type !== 'MustacheStatement' || found) return undefined;
    found = s as MustacheStatement;
  }
  return found;
}

function rewriteProgram(program: Program, blockParams: readonly string[]): Program {
  const inner = program.blockParams?.length ? [...blockParams, ...program.blockParams] : blockParams;
  return { ...program, body: program.body.map((s) => rewriteStatement(s, inner)) };
}

/** Blocks whose argument may be undefined (`{{#if optional}}` is false, not an error). */
const LENIENT_BLOCKS = new Set(['if', 'unless']);

function rewriteStatement(s: Statement, blockParams: readonly string[]): Statement {
  if (s.type === 'MustacheStatement') {
    const m = s as MustacheStatement;
    return mustache('__out', rewriteExpr(valueOf(m), blockParams), m);
  }
  if (s.type === 'BlockStatement') {
    const b = s as BlockStatement;
    const name = b.path.type === 'PathExpression' ? (b.path as PathExpression).original : '';
    const lenient = LENIENT_BLOCKS.has(name);
    return {
      ...b,
      params: b.params.map((p) => (lenient && p.type === 'PathExpression' ? softLookup(p as PathExpression, blockParams) : rewriteExpr(p, blockParams))),
      hash: rewriteHash(b.hash, blockParams),
      program: b.program && rewriteProgram(b.program, blockParams),
      inverse: b.inverse && rewriteProgram(b.inverse, blockParams),
    } as BlockStatement;
  }
  return s;
}

/** The expression a mustache stands for: a helper call becomes a sub-expression, a path stays a path. */
function valueOf(m: MustacheStatement): Expression {
  const path = m.path as Expression;
  const isHelperCall =
    m.params.length > 0 ||
    (m.hash !== undefined && m.hash.pairs.length > 0) ||
    (path.type === 'PathExpression' && isHelperName(path as PathExpression));
  if (!isHelperCall) return path;
  return { type: 'SubExpression', path, params: m.params, hash: m.hash, loc: m.loc } as unknown as SubExpression;
}

function isHelperName(p: PathExpression): boolean {
  return !p.data && p.depth === 0 && p.parts.length === 1 && p.original === p.parts[0] && HELPER_NAMES.has(p.parts[0]!);
}

function mustache(helper: string, value: Expression, at: MustacheStatement): MustacheStatement {
  return {
    type: 'MustacheStatement',
    path: { type: 'PathExpression', data: false, depth: 0, parts: [helper], original: helper, loc: at.loc },
    params: [value],
    hash: undefined,
    escaped: false,
    strip: at.strip,
    loc: at.loc,
  } as unknown as MustacheStatement;
}

/**
 * Make every variable read strict (Handlebars checks only a mustache's own path, not helper
 * arguments), except the first argument of `default` & co., which becomes a soft lookup.
 */
function rewriteExpr(e: Expression, blockParams: readonly string[]): Expression {
  if (e.type === 'PathExpression') return { ...(e as PathExpression), strict: true } as PathExpression;
  if (e.type !== 'SubExpression') return e;
  const sub = e as SubExpression;
  const name = sub.path.type === 'PathExpression' ? (sub.path as PathExpression).original : '';
  const params = sub.params.map((p, i) =>
    i === 0 && SOFT_FIRST_ARG.has(name) && p.type === 'PathExpression' ? softLookup(p as PathExpression, blockParams) : rewriteExpr(p, blockParams),
  );
  return { ...sub, params, hash: rewriteHash(sub.hash, blockParams) } as SubExpression;
}

function rewriteHash(hash: Hash | undefined, blockParams: readonly string[]): Hash | undefined {
  if (!hash) return hash;
  return { ...hash, pairs: hash.pairs.map((p: hbs.AST.HashPair) => ({ ...p, value: rewriteExpr(p.value, blockParams) })) };
}

function softLookup(p: PathExpression, blockParams: readonly string[]): Expression {
  // `../x` and block params (`as |u|`) live where helpers cannot see them: leave them to Handlebars.
  if (p.depth > 0 || (!p.data && blockParams.includes(p.parts[0] ?? ''))) return p;
  const str = (value: string): Node => ({ type: 'StringLiteral', value, original: value, loc: p.loc }) as unknown as Node;
  const origin = p.data ? 'data' : 'ctx';
  return {
    type: 'SubExpression',
    path: { type: 'PathExpression', data: false, depth: 0, parts: ['__soft'], original: '__soft', loc: p.loc },
    params: [str(origin), ...p.parts.map(str)],
    hash: undefined,
    loc: p.loc,
  } as unknown as Expression;
}

/** Helper calls to names that are not helpers, found at load time (`{{upcase x}}`, `(defualt x 1)`). */
export function unknownHelpers(program: Program): { name: string; line: number; column: number }[] {
  const found: { name: string; line: number; column: number }[] = [];
  const call = (path: Expression, hasArgs: boolean) => {
    if (path.type !== 'PathExpression') return;
    const p = path as PathExpression;
    if (p.data || p.depth > 0 || p.parts.length !== 1 || p.original !== p.parts[0]) return;
    // Without arguments `{{name}}` / `{{#name}}` read a variable: only calls can name a missing helper.
    if (hasArgs && !HELPER_NAMES.has(p.original)) {
      found.push({ name: p.original, line: p.loc.start.line, column: p.loc.start.column });
    }
  };
  const expr = (e: Expression) => {
    if (e.type !== 'SubExpression') return;
    const s = e as SubExpression;
    call(s.path as Expression, true);
    s.params.forEach(expr);
    s.hash?.pairs.forEach((p: hbs.AST.HashPair) => expr(p.value));
  };
  const walk = (prog: Program | undefined) => {
    for (const s of prog?.body ?? []) {
      if (s.type === 'MustacheStatement' || s.type === 'BlockStatement') {
        const m = s as MustacheStatement | BlockStatement;
        call(m.path as Expression, m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0);
        m.params.forEach(expr);
        m.hash?.pairs.forEach((p: hbs.AST.HashPair) => expr(p.value));
        if (s.type === 'BlockStatement') {
          walk((s as BlockStatement).program);
          walk((s as BlockStatement).inverse);
        }
      }
    }
  };
  walk(program);
  return found;
}
