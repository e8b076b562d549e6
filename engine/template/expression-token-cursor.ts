/** A position in the token list of an expression, with the look-ahead and expectations the parser uses. */
import { ExpressionSyntaxError, type Token } from './expression-lexer.ts';

export class TokenCursor {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  protected peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  protected next(): Token {
    return this.tokens[this.i++]!;
  }
  protected isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.value === value;
  }
  protected isName(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.value === value;
  }
  protected expectOp(value: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== value) {
      throw new ExpressionSyntaxError(`expected '${value}' but found ${describe(t)}`, t.pos, t.kind === 'op' && t.value === '=' ? "compare with '=='" : undefined);
    }
    return this.next();
  }
  protected expectName(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'name') throw new ExpressionSyntaxError(`expected ${what} but found ${describe(t)}`, t.pos);
    return this.next();
  }
}

/** A token as an error message names it. */
export function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the condition';
  if (t.kind === 'str') return `string '${t.value}'`;
  return `'${t.value}'`;
}
