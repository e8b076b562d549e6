import { readFileSync } from 'node:fs';

/** A position in a source file; line and col are 1-based. */
export interface SourceLoc {
  file: string;
  line: number;
  col: number;
}

/** Stable error codes. Tests and the CLI's exit code depend on them, so only add, never rename. */
export type KplayErrorCode =
  | 'KPLAY_YAML' // YAML syntax, tabs, duplicate keys
  | 'KPLAY_SCHEMA' // a keyword, argument or type that the schema rejects
  | 'KPLAY_UNKNOWN_MODULE'
  | 'KPLAY_TEMPLATE' // bad template syntax, or an undefined variable at run time
  | 'KPLAY_EXPRESSION' // bad when/changed_when/failed_when/until syntax
  | 'KPLAY_FILE_NOT_FOUND' // vars_files, src, template, role
  | 'KPLAY_INVENTORY'
  | 'KPLAY_ROLE'
  | 'KPLAY_OPTIONS' // bad command-line options
  | 'KPLAY_TRANSPORT' // connect, auth, host key
  | 'KPLAY_HOST_KEY'
  | 'KPLAY_INTERNAL';

export interface KplayErrorInit {
  loc?: SourceLoc;
  hint?: string;
  cause?: unknown;
}

/** Every error kplay raises on purpose. Host failures are result data, not KplayErrors. */
export class KplayError extends Error {
  readonly code: KplayErrorCode;
  readonly loc?: SourceLoc;
  readonly hint?: string;

  constructor(code: KplayErrorCode, message: string, init: KplayErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KplayError';
    this.code = code;
    this.loc = init.loc;
    this.hint = init.hint;
  }
}

/** Several errors found in one pass (the loader reports all errors of a file, not the first). */
export class KplayErrors extends Error {
  readonly errors: KplayError[];
  constructor(errors: KplayError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'KplayErrors';
    this.errors = errors;
  }
}

/** Errors that mean "the input is wrong" map to exit code 4, bad options to 5. */
export function isValidationCode(code: KplayErrorCode): boolean {
  return code !== 'KPLAY_TRANSPORT' && code !== 'KPLAY_HOST_KEY' && code !== 'KPLAY_INTERNAL' && code !== 'KPLAY_OPTIONS';
}

/** A file's lines, read when an error in it is shown (errors are few; nothing is kept for later). */
type SourceLines = (file: string) => string[] | undefined;

function readSourceLines(file: string): string[] | undefined {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
}

/** formatError for a list of errors, each file read once. */
export function formatErrors(errors: readonly KplayError[]): string[] {
  const seen = new Map<string, string[] | undefined>();
  const lines: SourceLines = (file) => {
    if (!seen.has(file)) seen.set(file, readSourceLines(file));
    return seen.get(file);
  };
  return errors.map((e) => formatLocated(e, lines));
}

/**
 * `file:line:col: message`, then the source line and a caret under the column, then the hint.
 * This is the one place that decides how a located error looks.
 */
export function formatError(err: KplayError): string {
  return formatLocated(err, readSourceLines);
}

function formatLocated(err: KplayError, lines: SourceLines): string {
  const out: string[] = [];
  if (err.loc) {
    out.push(`${err.loc.file}:${err.loc.line}:${err.loc.col}: ${err.message}`);
    const src = lines(err.loc.file)?.[err.loc.line - 1];
    if (src !== undefined) {
      const gutter = `${err.loc.line} | `;
      out.push(`  ${gutter}${src.replace(/\t/g, ' ')}`);
      out.push(`  ${' '.repeat(gutter.length + Math.max(0, err.loc.col - 1))}^`);
    }
  } else {
    out.push(`error: ${err.message}`);
  }
  if (err.hint) out.push(`  hint: ${err.hint}`);
  return out.join('\n');
}

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
