/**
 * Recursive-descent parser of the condition language. Precedence, loosest first (as in Jinja):
 *   `x if c else y` < or < and < not < comparisons, `in`, `is` tests < `+ - ~` < `* / // %`
 *   < unary `-` < `|` filters < `.attr`, `[index]`, `.method()` < literals, names, `( )`.
 * This file is the operator ladder down to filters; the operands and what follows them are
 * expression-operands.ts, the token look-ahead expression-token-cursor.ts.
 * Nothing here can call into JavaScript: names resolve to variables, filters/tests/methods to our
 * own tables, attributes to own data properties only.
 */
import { didYouMean } from '../errors.ts';
import type { CompareOp, Expr } from './expression-ast.ts';
import { ExpressionSyntaxError, tokenize, type Token } from './expression-lexer.ts';
import { FILTERS, TESTS } from './expression-library.ts';
import { KEYWORDS, shortName } from './expression-names.ts';
import { OperandParser } from './expression-operands.ts';
import { describe } from './expression-token-cursor.ts';

export function parseExpression(src: string): Expr {
  return new Parser(tokenize(src)).parseAll();
}

class Parser extends OperandParser {
  parseAll(): Expr {
    if (this.peek().kind === 'eof') throw new ExpressionSyntaxError('empty condition', 0);
    const e = this.conditional();
    const t = this.peek();
    if (t.kind !== 'eof') {
      const hint =
        t.kind === 'op' && t.value === '{' ? "don't put {{ }} inside a condition: write the variable name" : t.kind === 'op' && t.value === '=' ? "compare with '=='" : undefined;
      throw new ExpressionSyntaxError(`unexpected ${describe(t)}`, t.pos, hint);
    }
    return e;
  }

  protected conditional(): Expr {
    const then = this.or();
    if (!this.isName('if')) return then;
    this.next();
    const test = this.or();
    let otherwise: Expr = { k: 'lit', v: undefined };
    if (this.isName('else')) {
      this.next();
      otherwise = this.conditional();
    }
    return { k: 'cond', test, then, else: otherwise };
  }

  private or(): Expr {
    let l = this.and();
    while (this.isName('or')) {
      this.next();
      l = { k: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.not();
    while (this.isName('and')) {
      this.next();
      l = { k: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Expr {
    if (this.isName('not')) {
      this.next();
      return { k: 'not', e: this.not() };
    }
    return this.compare();
  }

  private compare(): Expr {
    let first = this.arith();
    const rest: { op: CompareOp; e: Expr; pos: number }[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.value as string)) {
        this.next();
        rest.push({ op: t.value as CompareOp, e: this.arith(), pos: t.pos });
      } else if (this.isName('in')) {
        this.next();
        rest.push({ op: 'in', e: this.arith(), pos: t.pos });
      } else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        this.next();
        rest.push({ op: 'not in', e: this.arith(), pos: t.pos });
      } else if (this.isName('is')) {
        if (rest.length) {
          first = { k: 'cmp', first, rest: rest.splice(0) };
        }
        first = this.test(first);
      } else {
        break;
      }
    }
    return rest.length ? { k: 'cmp', first, rest } : first;
  }

  /** `e is [not] name`, `e is name(args)`, `e is name arg` (Jinja's single-argument form). */
  private test(e: Expr): Expr {
    this.next(); // is
    let negated = false;
    if (this.isName('not')) {
      this.next();
      negated = true;
    }
    const t = this.peek();
    // `is none`, `is true` … are names in our lexer; `is in` a keyword.
    if (t.kind !== 'name') throw new ExpressionSyntaxError(`expected a test name after 'is' but found ${describe(t)}`, t.pos);
    this.next();
    const name = shortName(this.dotted(t.value as string));
    if (!Object.hasOwn(TESTS, name)) {
      const guess = didYouMean(name, Object.keys(TESTS));
      throw new ExpressionSyntaxError(`unknown test '${name}'`, t.pos, guess ? `did you mean '${guess}'?` : `tests: ${Object.keys(TESTS).join(', ')}`);
    }
    let args: Expr[] = [];
    if (this.isOp('(')) args = this.args().args;
    else if (startsOperand(this.peek())) args = [this.arith()];
    return { k: 'test', e, name, args, negated, pos: t.pos };
  }

  private arith(): Expr {
    let l = this.term();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '+' || t.value === '-' || t.value === '~')) {
        this.next();
        l = { k: 'arith', op: t.value, l, r: this.term(), pos: t.pos };
      } else return l;
    }
  }

  private term(): Expr {
    let l = this.pow();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.value === '*' || t.value === '/' || t.value === '//' || t.value === '%')) {
        this.next();
        l = { k: 'arith', op: t.value, l, r: this.pow(), pos: t.pos };
      } else return l;
    }
  }

  private pow(): Expr {
    let l = this.unary(true);
    while (this.isOp('**')) {
      const t = this.next();
      l = { k: 'arith', op: '**', l, r: this.unary(true), pos: t.pos };
    }
    return l;
  }

  /** As Jinja: `-x | abs` filters the negated value. */
  private unary(withFilter: boolean): Expr {
    const t = this.peek();
    let e: Expr;
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.next();
      const operand = this.unary(false);
      e = t.value === '-' ? { k: 'neg', e: operand, pos: t.pos } : operand;
    } else {
      e = this.postfix();
    }
    return withFilter ? this.filtered(e) : e;
  }

  private filtered(input: Expr): Expr {
    let e = input;
    while (this.isOp('|')) {
      this.next();
      const t = this.expectName('a filter name');
      const name = shortName(this.dotted(t.value as string));
      if (!Object.hasOwn(FILTERS, name)) {
        const guess = didYouMean(name, Object.keys(FILTERS));
        throw new ExpressionSyntaxError(`unknown filter '${name}'`, t.pos, guess ? `did you mean '${guess}'?` : 'see docs/templates.md for the filters');
      }
      const { args, kw } = this.isOp('(') ? this.args() : { args: [], kw: [] };
      e = { k: 'filter', e, name, args, kw, pos: t.pos };
    }
    return e;
  }
}

function startsOperand(t: Token): boolean {
  if (t.kind === 'num' || t.kind === 'str') return true;
  if (t.kind === 'name') return !KEYWORDS.has(t.value as string);
  return t.kind === 'op' && (t.value === '[' || t.value === '-');
}
