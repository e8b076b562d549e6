/**
 * How a YAML value's `{{ … }}` is read: as an Ansible expression or as Handlebars. The rule
 * (docs/templates.md, "Which language a {{ }} is"):
 *
 * 1. A value with Handlebars block or comment syntax (`{{#…}}`, `{{/…}}`, `{{else}}`, `{{^…}}`,
 *    `{{!…}}`, `{{>…}}`, `{{{…}}}`, `{{~`, `~}}`, `\{{`) or a Jinja statement/comment (`{%`, `{#`)
 *    is Handlebars throughout, as before.
 * 2. Otherwise each `{{ … }}` is read on its own:
 *    - a Handlebars path (`x`, `a.b.c`, `list.[0]`, `@root.x`, `../x`, `this`, `kebab-name`) stays
 *      Handlebars — both languages read such a path the same way, so the choice cannot change a value;
 *    - content that parses as an expression is an expression (`x | default('y')`, `groups['etcd'][0]`,
 *      `a + 1`, `[1, 2]`, `'s'`, `not x`, `lookup('env', 'HOME')`);
 *    - content that does not parse as an expression but is shaped as a helper call
 *      (`name arg …`: a name, whitespace, then an operand) stays Handlebars (`default x 'y'`,
 *      `join groups.etcd ','`, an unknown `defualt x 1` is reported as an unknown helper);
 *    - anything else is an expression with a syntax error, reported at its column.
 */
import { ExpressionSyntaxError } from './expression-lexer.ts';
import type { Expr } from './expression-ast.ts';
import { parseExpression } from './expression-parser.ts';
import { helperNames } from './handlebars-env.ts';

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'hbs'; source: string; start: number; end: number }
  | { kind: 'expr'; body: string; ast?: Expr; error?: ExpressionSyntaxError; start: number; end: number; bodyAt: number };

export interface ValuePlan {
  /** 'hbs': the whole string is Handlebars (as before); 'mixed': segments, at least one an expression. */
  mode: 'hbs' | 'mixed';
  segments: Segment[];
  /** The value is one `{{ }}` (whitespace around ignored): it renders to the native value. */
  lone: boolean;
}

const WHOLE_HANDLEBARS = /\{\{\{|\{\{\s*[#/^!>]|\{\{~|~\}\}|\{\{\s*else\s*\}\}|\\\{\{|\{%|\{#/;

/** A path that Handlebars reads like Jinja: a name, dotted parts, `[0]` literal segments, `@data`, `../`, `this`. */
const HBS_PATH = /^(?:\.\.\/)*(?:@?[A-Za-z_$][\w$-]*|this)(?:(?:\.|\/)(?:[A-Za-z_$][\w$-]*|\d+|\[[^\]'"]*\]))*$/;

/** Names Handlebars would look up as variables but Jinja reads as literals. */
const JINJA_LITERALS = new Set(['True', 'False', 'None', 'none']);

/** `name arg…`: a helper call shape (an operand right after the name, no operator between). */
const HELPER_CALL = /^[A-Za-z_][\w-]*\s+(?!(?:and|or|not|in|is|if|else)\b)[^\s=!<>|~*/%+.,)\]}:-]/;

/** `(helper ` or `(helper)` with a Handlebars helper name (Jinja's keywords excluded). */
function hasSubExpression(body: string): boolean {
  for (const m of body.matchAll(/\(\s*([A-Za-z_][\w-]*)(?=[\s)])/g)) {
    const name = m[1]!;
    if (name !== 'and' && name !== 'or' && name !== 'not' && helperNames().has(name)) return true;
  }
  return false;
}

const cache = new Map<string, ValuePlan>();

export function planValue(source: string): ValuePlan {
  let plan = cache.get(source);
  if (plan) return plan;
  plan = makePlan(source);
  if (cache.size > 20_000) cache.clear();
  cache.set(source, plan);
  return plan;
}

/** How one `{{ content }}` is read (rule 2 above). */
export function classify(content: string): 'hbs' | 'expr' {
  const body = content.trim();
  if (HBS_PATH.test(body) && !JINJA_LITERALS.has(body)) return 'hbs';
  // `not (list)`: a call shape with a Handlebars sub-expression `(helper …)` is Handlebars
  if (HELPER_CALL.test(body) && hasSubExpression(body)) return 'hbs';
  try {
    parseExpression(body);
    return 'expr';
  } catch {
    return HELPER_CALL.test(body) ? 'hbs' : 'expr';
  }
}

function makePlan(source: string): ValuePlan {
  const whole: ValuePlan = { mode: 'hbs', segments: [], lone: false };
  if (WHOLE_HANDLEBARS.test(source)) return whole;
  const segments: Segment[] = [];
  let i = 0;
  let anyExpr = false;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      segments.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    if (open > i) segments.push({ kind: 'text', text: source.slice(i, open) });
    let close = findClose(source, open + 2);
    // unbalanced brackets or quotes: the first `}}` ends it, and the parser reports what is open
    if (close < 0) close = source.indexOf('}}', open + 2);
    if (close < 0) return whole; // no `}}` at all: Handlebars reports it
    const content = source.slice(open + 2, close);
    const end = close + 2;
    if (classify(content) === 'hbs') {
      segments.push({ kind: 'hbs', source: `{{${content}}}`, start: open, end });
    } else {
      anyExpr = true;
      const lead = content.length - content.trimStart().length;
      const body = content.trim();
      const seg: Segment = { kind: 'expr', body, start: open, end, bodyAt: open + 2 + lead };
      try {
        seg.ast = parseExpression(body);
      } catch (err) {
        if (!(err instanceof ExpressionSyntaxError)) throw err;
        seg.error = err;
      }
      segments.push(seg);
    }
    i = end;
  }
  if (!anyExpr) return whole;
  const nonText = segments.filter((s) => s.kind !== 'text');
  const lone = nonText.length === 1 && segments.every((s) => s.kind !== 'text' || /^\s*$/.test(s.text));
  return { mode: 'mixed', segments, lone };
}

/** The `}}` that closes a `{{` at `from`: outside quotes, brackets and braces (as Jinja's lexer balances them). */
function findClose(s: string, from: number): number {
  let depth = 0;
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (c === '}' && s[i + 1] === '}' && depth === 0) return i;
  }
  return -1;
}

/** The source with every expression `{{ … }}` blanked (same length), for Handlebars' own checks of the rest. */
export function maskExpressions(source: string, plan: ValuePlan): string {
  let out = source;
  for (const s of plan.segments) {
    if (s.kind === 'expr') out = out.slice(0, s.start) + ' '.repeat(s.end - s.start) + out.slice(s.end);
  }
  return out;
}
