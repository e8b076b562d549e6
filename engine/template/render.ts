/**
 * Handlebars rendering with noEscape and strict mode; a lone `{{expr}}` keeps its native type.
 * Variables are lazy (see lazy-vars.ts): a var that is itself a template is rendered when read.
 */
import { didYouMean, KplayError, type SourceLoc } from '../errors.ts';
import { compile, helperNames, parse, unknownHelpers, type RenderData } from './handlebars-env.ts';
import { findJinja, findJinjaBlock, mayHoldJinjaBlocks } from './jinja-hint.ts';
import { isLazyView, lazyVars, materialize, VarCycleError, VarRenderError } from './lazy-vars.ts';
import { UndefinedVariableError } from './undefined-error.ts';
import { locAt } from './source-loc.ts';
import { isPlainObject, setOwn, stringify } from './values.ts';
import { planValue, maskExpressions, type ValuePlan } from './value-template.ts';
import { evaluate, EvaluationError, UndefinedVariableError as UndefinedInExpression } from './expression-eval.ts';
import type { EvalEnv } from './filters/types.ts';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';

export type Vars = Record<string, unknown>;

export interface RenderContext {
  /** Where the template came from, for "undefined variable x (task 'foo' at file:line:col)". */
  loc?: SourceLoc;
  /** Task name, for the same message. */
  task?: string;
  /** Directory that `lookup 'file' path` resolves a relative path against (default: the working directory). */
  baseDir?: string;
  /**
   * Location of each top-level key of the value being rendered (Task.argLocs): an error in
   * argument `dest` then points at `dest:` instead of at the task.
   */
  keyLocs?: Record<string, SourceLoc>;
}

/** True when a string holds template syntax. */
export function isTemplate(value: string): boolean {
  return value.includes('{{');
}

/**
 * The lazy view of `vars` that templates and conditions read; pass it to several calls to share
 * rendered vars. `ctx.baseDir` applies to `lookup 'file'` inside the vars' own templates.
 */
export function templateVars(vars: Vars, ctx: RenderContext = {}): Vars {
  const varCtx: RenderContext = ctx.baseDir ? { baseDir: ctx.baseDir } : {};
  return lazyVars(vars, (source, scope) => renderVarSource(source, scope, varCtx));
}

/** Render strings inside any value (deeply). A string that is exactly one `{{expr}}` returns the native value. */
export function renderValue(value: unknown, vars: Vars, ctx: RenderContext = {}): unknown {
  if (typeof value === 'string' && !needsRender(value)) return value;
  if (typeof value !== 'string' && !hasTemplate(value)) return value;
  const view = templateVars(vars, ctx);
  if (ctx.keyLocs && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const loc = Object.hasOwn(ctx.keyLocs, k) ? ctx.keyLocs[k] : undefined;
      setOwn(out, k, renderOne(value[k], view, loc ? { ...ctx, loc, keyLocs: undefined } : ctx));
    }
    return out;
  }
  return renderOne(value, view, ctx);
}

function renderOne(value: unknown, view: Vars, ctx: RenderContext): unknown {
  try {
    return materialize(renderDeep(value, view, ctx));
  } catch (err) {
    throw toKplayError(err, ctx, typeof value === 'string' ? value : undefined, view);
  }
}

/** Render a template to a string (templates, file contents). */
export function renderString(source: string, vars: Vars, ctx: RenderContext = {}): string {
  if (!needsRender(source)) return source;
  const view = templateVars(vars, ctx);
  try {
    const compiled = compileOrExplain(source);
    if (compiled.native) return stringify(materialize(runNative(compiled, view, ctx)));
    return compiled.run(view, { ctx });
  } catch (err) {
    throw toKplayError(err, ctx, source, view);
  }
}

/**
 * Load-time check of a YAML value: each expression `{{ … }}` must parse (unknown filters and tests
 * with "did you mean"), the Handlebars parts must parse and name known helpers. Errors point at
 * the construct's own line and column.
 */
export function checkTemplate(source: string, loc?: SourceLoc): KplayError | undefined {
  if (!needsRender(source)) return undefined;
  const plan = planValue(source);
  if (plan.mode === 'mixed') {
    for (const seg of plan.segments) {
      if (seg.kind === 'expr' && seg.error) {
        return new KplayError('KPLAY_TEMPLATE', `bad expression '{{ ${seg.body} }}': ${seg.error.message}`, {
          loc: locAt(loc, source, seg.bodyAt + seg.error.pos),
          hint: seg.error.hint,
        });
      }
    }
    return checkTemplateFile(maskExpressions(source, plan), loc);
  }
  return checkTemplateFile(source, loc);
}

/** Load-time check of a Handlebars template (a .hbs file): syntax, Jinja constructs (with the Handlebars form), unknown helpers. */
export function checkTemplateFile(source: string, loc?: SourceLoc): KplayError | undefined {
  if (!needsRender(source)) return undefined;
  const jinja = findJinja(source);
  if (jinja) return jinjaError(jinja, source, loc);
  let ast: ReturnType<typeof parse>;
  try {
    ast = parse(source);
  } catch (err) {
    return new KplayError('KPLAY_TEMPLATE', `template syntax error: ${firstLine(err)}`, { loc: locAt(loc, source, parseErrorOffset(err, source)), cause: err });
  }
  const [unknown] = unknownHelpers(ast);
  if (unknown) {
    const guess = didYouMean(unknown.name, helperNames());
    const offset = source.split('\n').slice(0, unknown.line - 1).reduce((n, l) => n + l.length + 1, 0) + unknown.column;
    return new KplayError('KPLAY_TEMPLATE', `unknown helper '${unknown.name}'`, {
      loc: locAt(loc, source, offset),
      hint: guess ? `did you mean '${guess}'? (helpers: docs/templates.md)` : 'see docs/templates.md for the helpers',
    });
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

/** Template syntax, or Jinja blocks that must be refused rather than passed through as text. */
function needsRender(s: string): boolean {
  return s.includes('{{') || mayHoldJinjaBlocks(s);
}

function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return needsRender(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (isPlainObject(value)) {
    for (const k in value) if (hasTemplate(value[k])) return true;
  }
  return false;
}

function renderDeep(value: unknown, view: Vars, ctx: RenderContext): unknown {
  if (typeof value === 'string') {
    if (!needsRender(value)) return value;
    return renderValueString(value, view, ctx);
  }
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, view, ctx));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) setOwn(out, k, renderDeep(value[k], view, ctx));
    return out;
  }
  return value;
}

function runNative(compiled: ReturnType<typeof compile>, view: Vars, ctx: RenderContext): unknown {
  const data: RenderData = { ctx, native: { value: undefined } };
  compiled.run(view, data);
  return data.native!.value;
}

/** How a lazy var's own template is rendered: as a value, without task and place (the caller adds them). */
function renderVarSource(source: string, scope: Vars, ctx: RenderContext): unknown {
  return renderValueString(source, scope, ctx);
}

/** One YAML string value: Handlebars as before, or with expression `{{ … }}` parts (value-template.ts). */
function renderValueString(source: string, view: Vars, ctx: RenderContext): unknown {
  const plan = planValue(source);
  if (plan.mode === 'hbs') {
    const compiled = compileOrExplain(source);
    return compiled.native ? runNative(compiled, view, ctx) : compiled.run(view, { ctx });
  }
  return renderMixed(plan, source, view, ctx);
}

function renderMixed(plan: ValuePlan, source: string, view: Vars, ctx: RenderContext): unknown {
  const env: EvalEnv = {
    baseDir: ctx.baseDir,
    renderTemplate: (path) => {
      const file = isAbsolute(path) ? path : resolvePath(ctx.baseDir ?? process.cwd(), path);
      return renderString(readFileSync(file, 'utf8'), view, ctx);
    },
  };
  const values: unknown[] = [];
  for (const seg of plan.segments) {
    if (seg.kind === 'text') values.push(seg.text);
    else if (seg.kind === 'hbs') {
      const compiled = compileOrExplain(seg.source);
      values.push(compiled.native ? runNative(compiled, view, ctx) : compiled.run(view, { ctx }));
    } else {
      if (seg.error) throw new KplayError('KPLAY_TEMPLATE', `bad expression '{{ ${seg.body} }}': ${seg.error.message}`, { hint: seg.error.hint });
      try {
        values.push(evaluate(seg.ast!, view, env));
      } catch (err) {
        throw expressionError(err, seg.body, source);
      }
    }
  }
  if (plan.lone) return values.find((_v, i) => plan.segments[i]!.kind !== 'text');
  return values.map((v, i) => (plan.segments[i]!.kind === 'text' ? (v as string) : stringify(materialize(v)))).join('');
}

function expressionError(err: unknown, body: string, source: string): unknown {
  if (err instanceof UndefinedInExpression) {
    return new UndefinedVariableError(err.variable, `undefined variable '${err.variable}' in '{{ ${body} }}'`, {
      hint: `define it, or give a default: {{ ${err.variable} | default('value') }}`,
    });
  }
  if (err instanceof EvaluationError) return new KplayError('KPLAY_TEMPLATE', `expression '{{ ${body} }}': ${err.message}`);
  if (err instanceof VarRenderError || err instanceof VarCycleError) return err;
  if (err instanceof KplayError) return err;
  void source;
  return new KplayError('KPLAY_TEMPLATE', `expression '{{ ${body} }}': ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Thrown for Jinja syntax at run time; carries the finding for the message and hint. */
class JinjaSyntax extends Error {
  constructor(
    readonly finding: ReturnType<typeof findJinja> & object,
    readonly source: string,
  ) {
    super(finding.message);
  }
}

function rejectJinjaBlocks(source: string): void {
  const jinja = findJinjaBlock(source);
  if (jinja) throw new JinjaSyntax(jinja, source);
}

function compileOrExplain(source: string): ReturnType<typeof compile> {
  try {
    return compile(source, rejectJinjaBlocks);
  } catch (err) {
    if (err instanceof JinjaSyntax) throw err;
    const jinja = findJinja(source);
    if (jinja) throw new JinjaSyntax(jinja, source);
    throw err;
  }
}

/** At load time the construct's column is known (loc + offset); at run time only the task's place (fallbackLoc). */
function jinjaError(f: NonNullable<ReturnType<typeof findJinja>>, source: string, loc: SourceLoc | undefined, where = '', fallbackLoc?: SourceLoc): KplayError {
  return new KplayError('KPLAY_TEMPLATE', `${f.message} is not supported${where}`, { loc: locAt(loc, source, f.offset) ?? fallbackLoc, hint: f.hint });
}

function where(ctx: RenderContext): string {
  const parts: string[] = [];
  if (ctx.task) parts.push(`in task '${ctx.task}'`);
  if (ctx.loc) parts.push(`(${ctx.loc.file}:${ctx.loc.line}:${ctx.loc.col})`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

interface HandlebarsException extends Error {
  lineNumber?: number;
  column?: number;
  endColumn?: number;
}

/** Every failure of a render becomes one KplayError('KPLAY_TEMPLATE') naming the variable, task and place. */
export function toKplayError(err: unknown, ctx: RenderContext, source: string | undefined, view?: Vars): KplayError {
  const via: string[] = [];
  let inner = err;
  let innerSource = source;
  while (inner instanceof VarRenderError) {
    via.push(inner.variable);
    innerSource = inner.source;
    inner = inner.inner;
  }
  const chain = via.length ? ` (while rendering ${via.join(' → ')})` : '';
  if (inner instanceof VarCycleError) {
    return new KplayError('KPLAY_TEMPLATE', `${inner.message}${where(ctx)}`, { loc: ctx.loc, hint: 'a variable must not refer to itself, directly or through other variables' });
  }
  if (inner instanceof JinjaSyntax) {
    const before = inner.source.slice(0, inner.finding.offset).split('\n');
    const at = ` at line ${before.length}, column ${before.at(-1)!.length + 1} of the template`;
    return jinjaError(inner.finding, inner.source, undefined, `${at}${chain}${where(ctx)}`, ctx.loc);
  }
  if (inner instanceof UndefinedVariableError) {
    return new UndefinedVariableError(inner.variable, `${inner.message}${chain}${where(ctx)}`, { loc: inner.loc ?? ctx.loc, hint: inner.hint, cause: inner });
  }
  if (inner instanceof KplayError) {
    return new KplayError(inner.code, `${inner.message}${chain}${where(ctx)}`, { loc: inner.loc ?? ctx.loc, hint: inner.hint, cause: inner });
  }
  const e = inner as HandlebarsException;
  const message = e instanceof Error ? e.message : String(e);
  const undef = /^"([^"]+)" not defined in /.exec(message);
  if (undef) {
    const name = undefinedPath(e, innerSource) ?? undef[1]!;
    if (innerSource && isHelperPosition(innerSource, name)) return unknownHelper(name, chain, ctx, inner);
    const missing = (via.length === 0 && view && firstMissing(view, name)) || undef[1]!;
    const lastPart = name.split(/[.[\]/]+/).filter(Boolean).at(-1);
    const segment = lastPart === missing ? '' : ` ('${missing}' is not defined)`;
    return new UndefinedVariableError(name, `undefined variable '${name}'${segment}${chain}${where(ctx)}`, {
      loc: ctx.loc,
      hint: `define it in vars, or give a default: {{default ${name} 'value'}}`,
      cause: inner,
    });
  }
  const missingHelper = /^Missing helper: "([^"]+)"/.exec(message);
  if (missingHelper) return unknownHelper(missingHelper[1]!, chain, ctx, inner);
  if (e instanceof Error && /^Parse error|^Expecting|^Invalid path/.test(message)) {
    return new KplayError('KPLAY_TEMPLATE', `template syntax error${chain}${where(ctx)}: ${firstLine(e)}`, { loc: ctx.loc, cause: inner });
  }
  return new KplayError('KPLAY_TEMPLATE', `template error${chain}${where(ctx)}: ${message}`, { loc: ctx.loc, cause: inner });
}

function unknownHelper(name: string, chain: string, ctx: RenderContext, cause: unknown): KplayError {
  const guess = didYouMean(name, helperNames());
  return new KplayError('KPLAY_TEMPLATE', `unknown helper '${name}'${chain}${where(ctx)}`, {
    loc: ctx.loc,
    hint: guess ? `did you mean '${guess}'? (helpers: docs/templates.md)` : 'see docs/templates.md for the helpers',
    cause,
  });
}

/** `{{name arg}}` or `(name arg)`: the undefined name stands where a helper goes. */
function isHelperPosition(source: string, name: string): boolean {
  if (!/^[\w-]+$/.test(name)) return false;
  return new RegExp(`(?:\\{\\{[~#]?|\\()\\s*${name}\\s+[^\\s}~)]`).test(source);
}

/** The first segment of a dotted path that the variables do not have (`hostvars.h9.ip` → `h9`). */
function firstMissing(view: Vars, path: string): string | undefined {
  let cur: unknown = view;
  for (const part of path.replace(/^this\./, '').split(/\.\[?|\]?\.|\[|\]/).filter(Boolean)) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, part)) return part;
    cur = (cur as Record<string, unknown>)[part];
  }
  return undefined;
}

/** The full dotted path of an undefined variable, cut out of the source at the exception's position. */
function undefinedPath(e: HandlebarsException, source: string | undefined): string | undefined {
  if (!source || e.lineNumber === undefined || e.column === undefined || e.endColumn === undefined) return undefined;
  const line = source.split('\n')[e.lineNumber - 1];
  const text = line?.slice(e.column, e.endColumn).trim();
  return text && /^[@\w.[\]/-]+$/.test(text) ? text : undefined;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg.split('\n');
  // Handlebars' parse errors are "Parse error on line N:\n<src>\n---^\nExpecting …"
  return lines.length >= 4 ? `${lines[0]} ${lines.slice(3).join(' ')}` : lines[0]!;
}

function parseErrorOffset(err: unknown, source: string): number {
  const msg = err instanceof Error ? err.message : '';
  const m = /^Parse error on line (\d+):\n.*\n(-*)\^/.exec(msg);
  if (!m) return 0;
  const lineStart = source.split('\n').slice(0, Number(m[1]) - 1).reduce((n, l) => n + l.length + 1, 0);
  return lineStart + m[2]!.length;
}

export { isLazyView, UndefinedVariableError };
