/** The shape every Ansible filter and global function has here, and what they may reach. */

/** What an expression can reach outside its variables: the controller's files, for lookups. */
export interface EvalEnv {
  /** Directory a relative `lookup('file', …)` path is resolved against. */
  baseDir?: string;
  /** Render a template file (Handlebars) with the current variables, for `lookup('template', …)`. */
  renderTemplate?: (path: string) => string;
}

/** Keyword arguments (`x | combine(recursive=true)`), by name. */
export type Kw = Record<string, unknown>;
export type Filter = (input: unknown, args: unknown[], kw: Kw, env: EvalEnv) => unknown;
/** A Jinja global function (`lookup(…)`, `range(…)`): no piped input. */
export type GlobalFunction = (args: unknown[], kw: Kw, env: EvalEnv) => unknown;
