/**
 * STUB — the template helper replaces the bodies. Signatures are the contract.
 * Handlebars rendering with noEscape and strict mode; a lone `{{expr}}` keeps its native type.
 */
import type { KplayError, SourceLoc } from '../errors.ts';

export type Vars = Record<string, unknown>;

export interface RenderContext {
  /** Where the template came from, for "undefined variable x (task 'foo' at file:line:col)". */
  loc?: SourceLoc;
  /** Task name, for the same message. */
  task?: string;
}

/** True when a string holds template syntax. */
export function isTemplate(value: string): boolean {
  return value.includes('{{');
}

/** Render strings inside any value (deeply). A string that is exactly one `{{expr}}` returns the native value. */
export function renderValue(value: unknown, _vars: Vars, _ctx: RenderContext = {}): unknown {
  return value;
}

/** Render a template to a string (templates, file contents). */
export function renderString(source: string, _vars: Vars, _ctx: RenderContext = {}): string {
  return source;
}

/** Load-time syntax check: a Handlebars parse error, or a Jinja filter `{{ x | default('y') }}` with the Handlebars form as hint. */
export function checkTemplate(_source: string, _loc?: SourceLoc): KplayError | undefined {
  return undefined;
}
