/** Tokens of the condition language (a safe subset of Jinja expressions). */

export type TokenKind = 'num' | 'str' | 'name' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The literal value of num/str tokens, the text of name/op tokens. */
  value: string | number;
  /** Offset in the expression source, for error columns. */
  pos: number;
}

/** A syntax error at an offset of the expression; the public API turns it into a located KplayError. */
export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ExpressionSyntaxError';
  }
}

// Longest first, so `//` wins over `/` and `<=` over `<`.
const OPERATORS = ['==', '!=', '<=', '>=', '//', '**', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && i + 1 < src.length) {
          const next = src[i + 1]!;
          value += ESCAPES[next] ?? `\\${next}`;
          i += 2;
        } else {
          value += src[i++];
        }
      }
      if (i >= src.length) throw new ExpressionSyntaxError('unterminated string', start);
      i++;
      tokens.push({ kind: 'str', value, pos: start });
      continue;
    }
    const num = /^(?:\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      // `x.0.y` style indexing is not Jinja; a number directly after a dot is an attribute, handled by the parser.
      tokens.push({ kind: 'num', value: Number(num[0].replace(/_/g, '')), pos: start });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0], pos: start });
      i += name[0].length;
      continue;
    }
    if (src.startsWith('||', i) || src.startsWith('&&', i)) {
      throw new ExpressionSyntaxError(`unexpected '${src.slice(i, i + 2)}'`, start, `use '${c === '|' ? 'or' : 'and'}'`);
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', value: op, pos: start });
      i += op.length;
      continue;
    }
    if (c === '&' || c === '!') throw new ExpressionSyntaxError(`unexpected '${c}'`, start, "use 'and', 'or', 'not'");
    throw new ExpressionSyntaxError(`unexpected character '${c}'`, start);
  }
  tokens.push({ kind: 'eof', value: '', pos: src.length });
  return tokens;
}
