/**
 * Recognise Jinja syntax in a template and say what the Handlebars form is: people (and roles
 * ported from Ansible) write `{{ x | default('y') }}` and `{% if %}` by habit.
 */

export interface JinjaFinding {
  /** What was found, for the error message. */
  message: string;
  /** The Handlebars form. */
  hint: string;
  /** Offset of the construct in the source. */
  offset: number;
}

/** Jinja filters whose helper has another name. */
const FILTER_NAMES: Record<string, string> = { d: 'default', count: 'length', list: 'list' };

/** True when a string may hold Jinja statements or comments (cheap pre-check for strings without `{{`). */
export function mayHoldJinjaBlocks(source: string): boolean {
  return source.includes('{%') || source.includes('{#');
}

/**
 * Jinja statements `{% … %}` and comments `{# … #}`: unambiguous, so checked even in templates that
 * Handlebars parses (it would pass them through as text).
 */
export function findJinjaBlock(source: string): JinjaFinding | undefined {
  const stmt = /\{%-?\s*(\w+)?([^%]*)-?%\}/.exec(source);
  // `{{#each` is Handlebars and `${#list[@]}` is shell: neither is a Jinja comment.
  const comment = /(?<![{$])\{#[\s\S]*?#\}/.exec(source);
  const candidates: JinjaFinding[] = [];
  if (stmt) candidates.push(statementHint(stmt[1] ?? '', (stmt[2] ?? '').trim(), stmt.index));
  if (comment) candidates.push({ message: "Jinja comment '{# … #}'", hint: 'a Handlebars comment is {{!-- … --}}', offset: comment.index });
  return candidates.sort((a, b) => a.offset - b.offset)[0];
}

/** Find the first Jinja construct in a template, if any (statements, comments, filters, operators). */
export function findJinja(source: string): JinjaFinding | undefined {
  const block = findJinjaBlock(source);
  const mustaches = [...source.matchAll(/\{\{(?![{!#/>^&*]|else\b)~?([\s\S]*?)~?\}\}/g)];
  const candidates: JinjaFinding[] = block ? [block] : [];
  for (const m of mustaches) {
    const found = expressionHint(m[1] ?? '', m.index);
    if (found) {
      candidates.push(found);
      break;
    }
  }
  return candidates.sort((a, b) => a.offset - b.offset)[0];
}

function statementHint(keyword: string, rest: string, offset: number): JinjaFinding {
  const message = `Jinja statement '{% ${keyword} … %}'`;
  switch (keyword) {
    case 'if':
    case 'elif':
      return { message, hint: `templates are Handlebars: {{#if ${toHelperCondition(rest)}}}…{{else}}…{{/if}}`, offset };
    case 'for': {
      const m = /^(\w+)\s+in\s+(.+)$/.exec(rest);
      const list = m ? toHandlebarsExpr(m[2]!) : 'items';
      const item = m ? m[1]! : 'item';
      return { message, hint: `templates are Handlebars: {{#each ${list} as |${item}|}}…{{${item}}}…{{/each}}`, offset };
    }
    case 'set':
      return { message, hint: 'templates are Handlebars, which has no assignments: define the value in vars', offset };
    default:
      return { message, hint: 'templates are Handlebars: use {{#if}}, {{#each}}, {{#with}} and helpers (see docs/templates.md)', offset };
  }
}

/** A Jinja-only expression inside `{{ }}`: a filter, an operator, `x[0]` indexing, or `a if b else c`. */
function expressionHint(inner: string, offset: number): JinjaFinding | undefined {
  const body = inner.trim();
  if (/\bas\s*\|/.test(body)) return undefined; // block params `as |x|` are Handlebars
  const pipes = splitTopLevel(body, '|');
  if (pipes.length > 1) {
    return { message: `Jinja filter in '{{ ${body} }}'`, hint: `templates are Handlebars: {{${filterChain(pipes)}}}`, offset };
  }
  const op = /\s(==|!=|<=|>=|<|>|and|or|not|in|is|if|~|\+|-|\*)\s/.exec(outsideQuotes(body));
  if (op) {
    return {
      message: `Jinja expression '{{ ${body} }}'`,
      hint: `templates are Handlebars, which has no operators: use helpers, e.g. {{#if (eq a b)}}, {{default x 'y'}}, {{add a 1}} (see docs/templates.md)`,
      offset,
    };
  }
  if (/\w\[/.test(outsideQuotes(body))) {
    return { message: `Jinja indexing in '{{ ${body} }}'`, hint: `templates are Handlebars: {{${toHandlebarsExpr(body)}}}`, offset };
  }
  if (/\w\(/.test(outsideQuotes(body))) {
    return { message: `Jinja call in '{{ ${body} }}'`, hint: 'templates are Handlebars: a helper call is {{helper arg1 arg2}}', offset };
  }
  return undefined;
}

/** `x | default('y') | upper` → `upper (default x 'y')`. */
function filterChain(parts: string[]): string {
  let expr = toHandlebarsExpr(parts[0]!.trim());
  for (const raw of parts.slice(1)) {
    const m = /^\s*(\w+)\s*(?:\((.*)\))?\s*$/s.exec(raw);
    const name = m ? (FILTER_NAMES[m[1]!] ?? m[1]!) : raw.trim();
    const args = m?.[2] ? splitTopLevel(m[2], ',').map((a) => toHandlebarsExpr(a.trim())) : [];
    const inner = expr.includes(' ') ? `(${expr})` : expr;
    expr = [name, inner, ...args].join(' ');
  }
  return expr;
}

/** `x.y[0]` → `x.y.[0]`, `x['k']` → `x.k`, `True` → `true`, `None` → `null`. */
function toHandlebarsExpr(e: string): string {
  return e
    .replace(/\[\s*['"](\w+)['"]\s*\]/g, '.$1')
    .replace(/\[\s*(\d+)\s*\]/g, '.[$1]')
    .replace(/^True$/, 'true')
    .replace(/^False$/, 'false')
    .replace(/^None$/, 'null');
}

function toHelperCondition(cond: string): string {
  const m = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(cond);
  if (m) return `(${m[2] === '==' ? 'eq' : 'ne'} ${toHandlebarsExpr(m[1]!)} ${toHandlebarsExpr(m[3]!)})`;
  const d = /^(.+?)\s+is\s+defined$/.exec(cond);
  if (d) return `(defined ${toHandlebarsExpr(d[1]!)})`;
  return toHandlebarsExpr(cond) || 'cond';
}

/** Replace quoted strings by spaces of the same length, so operators inside them are not seen. */
function outsideQuotes(s: string): string {
  return s.replace(/'[^']*'|"[^"]*"/g, (q) => ' '.repeat(q.length));
}

/** Split on a separator outside quotes and brackets. */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === sep && depth === 0 && !(sep === '|' && s[i + 1] === '|')) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
