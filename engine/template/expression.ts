/**
 * The safe condition language of when / changed_when / failed_when / until / assert: a hand-written
 * tokenizer and recursive-descent parser of a Jinja-like expression subset (no eval, no Function).
 * The grammar and the tests and filters are documented in docs/templates.md.
 */
import { KplayError, type SourceLoc } from '../errors.ts';
import { ExpressionSyntaxError } from './expression-lexer.ts';
import type { Expr } from './expression-ast.ts';
import { parseExpression } from './expression-parser.ts';
import { EvaluationError, UndefinedVariableError as UndefinedVariable, evaluate } from './expression-eval.ts';
import { UndefinedVariableError } from './undefined-error.ts';
import { templateVars, toKplayError } from './render.ts';
import { materialize, VarCycleError, VarRenderError } from './lazy-vars.ts';
import { locAt } from './source-loc.ts';
import { truthy } from './values.ts';

export type Vars = Record<string, unknown>;

/** A parsed condition; parsing happens at load time so syntax errors are load errors. */
export interface Condition {
  source: string;
  loc?: SourceLoc;
  /** Parsed form, opaque to callers. */
  ast: unknown;
  /** Set when the source was accepted with a caveat (a condition wrapped in `{{ }}`), for the reporter. */
  warning?: string;
}

/** Parse `a == 1 and b is defined`; a boolean literal is accepted too. Throws KplayError('KPLAY_EXPRESSION') with loc. */
export function parseCondition(source: string | boolean, loc?: SourceLoc): Condition {
  if (typeof source === 'boolean') return { source: String(source), loc, ast: { k: 'lit', v: source } satisfies Expr };
  if (typeof source !== 'string') {
    throw new KplayError('KPLAY_EXPRESSION', `a condition must be a string or a boolean, got ${source === null ? 'null' : typeof source}`, { loc });
  }
  const { body, offset, warning } = unwrapMustache(source);
  try {
    return { source, loc, ast: parseExpression(body), ...(warning ? { warning } : {}) };
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) {
      throw new KplayError('KPLAY_EXPRESSION', `bad condition '${source}': ${err.message}`, {
        loc: locAt(loc, source, offset + err.pos),
        hint: err.hint,
      });
    }
    throw err;
  }
}

/**
 * Evaluate with the host's variables. An undefined variable throws KplayError('KPLAY_TEMPLATE')
 * naming the variable (except under `is defined` / `is undefined` / `default`).
 */
export function evaluateCondition(cond: Condition, vars: Vars): boolean {
  const ast = cond.ast as Expr;
  if (ast.k === 'lit') return truthy(ast.v);
  try {
    return truthy(evaluate(ast, templateVars(vars)));
  } catch (err) {
    throw evaluationError(err, cond);
  }
}

export { UndefinedVariableError };

/** The value of an expression (for assert messages, `debug: var=`, loop expressions). */
export function evaluateExpression(cond: Condition, vars: Vars): unknown {
  try {
    return materialize(evaluate(cond.ast as Expr, templateVars(vars)));
  } catch (err) {
    throw evaluationError(err, cond);
  }
}

function evaluationError(err: unknown, cond: Condition): KplayError {
  const { offset } = unwrapMustache(cond.source);
  if (err instanceof UndefinedVariable) {
    return new UndefinedVariableError(err.variable, `undefined variable '${err.variable}' in condition '${cond.source}'`, {
      loc: locAt(cond.loc, cond.source, offset + err.pos),
      hint: `test it first (${err.variable} is defined) or give a default (${err.variable} | default(…))`,
    });
  }
  if (err instanceof EvaluationError) {
    return new KplayError('KPLAY_EXPRESSION', `condition '${cond.source}': ${err.message}`, { loc: locAt(cond.loc, cond.source, offset + err.pos) });
  }
  if (err instanceof VarRenderError || err instanceof VarCycleError) {
    const e = toKplayError(err, {}, undefined);
    const message = `${e.message} in condition '${cond.source}'`;
    if (e instanceof UndefinedVariableError) return new UndefinedVariableError(e.variable, message, { loc: cond.loc, hint: e.hint, cause: err });
    return new KplayError(e.code, message, { loc: cond.loc, hint: e.hint, cause: err });
  }
  if (err instanceof KplayError) {
    // A lazy var that failed to render: keep its message, point at the condition.
    return new KplayError(err.code, `${err.message} in condition '${cond.source}'`, { loc: err.loc ?? cond.loc, hint: err.hint, cause: err });
  }
  return new KplayError('KPLAY_EXPRESSION', `condition '${cond.source}': ${err instanceof Error ? err.message : String(err)}`, { loc: cond.loc, cause: err });
}

/** `"{{ x }}"` around a whole condition is tolerated, as Ansible does (with a warning). */
function unwrapMustache(source: string): { body: string; offset: number; warning?: string } {
  const m = /^(\s*\{\{)([\s\S]*)\}\}\s*$/.exec(source);
  if (!m || m[2]!.includes('{{') || m[2]!.includes('}}')) return { body: source, offset: 0 };
  return {
    body: m[2]!,
    offset: m[1]!.length,
    warning: `conditions are expressions already: write '${m[2]!.trim()}' without {{ }}`,
  };
}
