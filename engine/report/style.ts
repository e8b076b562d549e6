/**
 * A tiny ANSI palette. The console reporter asks for roles (ok, changed, …), never raw codes,
 * so turning colour off is one switch and the plain output stays byte-for-byte stable for tests.
 */
export type StyleRole =
  | 'ok'
  | 'changed'
  | 'skipped'
  | 'failed'
  | 'unreachable'
  | 'warning'
  | 'ignored'
  | 'rescued'
  | 'header'
  | 'dim'
  | 'added'
  | 'removed'
  | 'hunk';

const CODES: Record<StyleRole, [number, number]> = {
  ok: [32, 39],
  changed: [33, 39],
  skipped: [36, 39],
  failed: [31, 39],
  unreachable: [91, 39],
  warning: [95, 39],
  ignored: [34, 39],
  rescued: [35, 39],
  header: [1, 22],
  dim: [2, 22],
  added: [32, 39],
  removed: [31, 39],
  hunk: [36, 39],
};

export type Styler = (role: StyleRole, text: string) => string;

export function createStyler(color: boolean): Styler {
  if (!color) return (_role, text) => text;
  return (role, text) => {
    const [open, close] = CODES[role];
    return text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

/** Visible width of a string that may hold ANSI colour codes (for alignment). */
export function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/**
 * Whether to colour a stream: a TTY, unless NO_COLOR is set (https://no-color.org) or TERM is
 * dumb; FORCE_COLOR (non-empty, not "0") forces it on, for CI logs that render ANSI.
 */
export function colorEnabled(out: NodeJS.WritableStream, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return (out as { isTTY?: boolean }).isTTY === true;
}
