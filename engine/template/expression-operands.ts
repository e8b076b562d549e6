/**
 * The operands of the condition language: literals, names, function calls, `( )`, lists, dicts,
 * and what follows an operand (`.attr`, `[index]`, `[a:b]`, `.method()`). A nested expression (an
 * index, an argument, an item) is whatever the concrete parser's `conditional()` reads, so the
 * operator ladder (expression-parser.ts) builds on this class instead of the two importing each other.
 */
import { didYouMean } from '../errors.ts';
import type { Expr, KwArgs } from './expression-ast.ts';
import { ExpressionSyntaxError } from './expression-lexer.ts';
import { FUNCTIONS, METHODS } from './expression-library.ts';
import { KEYWORDS, LITERAL_NAMES } from './expression-names.ts';
import { TokenCursor, describe } from './expression-token-cursor.ts';

export abstract class OperandParser extends TokenCursor {
  /** A whole expression, loosest precedence first: `x if c else y`. */
  protected abstract conditional(): Expr;

  /** `ansible.builtin.name`: the dotted rest of a collection-qualified name. */
  protected dotted(first: string): string {
    if (first !== 'ansible' && first !== 'community') return first;
    let name = first;
    while (this.isOp('.') && this.peek(1).kind === 'name') {
      this.next();
      name += `.${this.next().value as string}`;
    }
    return name;
  }

  protected postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.peek();
        let name: string;
        if (t.kind === 'name') name = t.value as string;
        else if (t.kind === 'num' && Number.isInteger(t.value)) name = String(t.value);
        else throw new ExpressionSyntaxError(`expected an attribute name after '.' but found ${describe(t)}`, t.pos);
        this.next();
        if (this.isOp('(')) {
          if (!Object.hasOwn(METHODS, name)) {
            throw new ExpressionSyntaxError(`method '${name}()' is not supported`, t.pos, `methods: ${Object.keys(METHODS).join(', ')}; or use a filter: x | ${name}`);
          }
          e = { k: 'call', obj: e, name, ...this.args(), pos: t.pos };
        } else {
          e = { k: 'attr', obj: e, name, pos: t.pos };
        }
      } else if (this.isOp('[')) {
        const t = this.next();
        const bound = (): Expr | undefined => (this.isOp(':') || this.isOp(']') ? undefined : this.conditional());
        const index = bound();
        if (this.isOp(':')) {
          // Python slices: x[a:b], x[:b], x[a:], x[::step]
          this.next();
          const end = bound();
          let step: Expr | undefined;
          if (this.isOp(':')) {
            this.next();
            step = bound();
          }
          this.expectOp(']');
          e = { k: 'slice', obj: e, start: index, end, step, pos: t.pos };
          continue;
        }
        if (!index) throw new ExpressionSyntaxError(`expected an index but found ${describe(this.peek())}`, this.peek().pos);
        this.expectOp(']');
        e = { k: 'index', obj: e, index, pos: t.pos };
      } else if (this.isOp('(')) {
        const pos = this.peek().pos;
        if (e.k === 'var') {
          const guess = didYouMean(e.name, Object.keys(FUNCTIONS));
          throw new ExpressionSyntaxError(`unknown function '${e.name}()'`, e.pos, guess ? `did you mean '${guess}'?` : `functions: ${Object.keys(FUNCTIONS).join(', ')}; or use a filter (x | length)`);
        }
        throw new ExpressionSyntaxError('function calls are not supported', pos, 'use a filter (x | length) or a test (x is match(...))');
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'num' || t.kind === 'str') {
      this.next();
      return { k: 'lit', v: t.value };
    }
    if (t.kind === 'name') {
      this.next();
      const name = t.value as string;
      if (Object.hasOwn(LITERAL_NAMES, name)) return { k: 'lit', v: LITERAL_NAMES[name] };
      if (KEYWORDS.has(name)) throw new ExpressionSyntaxError(`unexpected '${name}'`, t.pos);
      if (this.isOp('(') && Object.hasOwn(FUNCTIONS, name)) return { k: 'fn', name, ...this.args(), pos: t.pos };
      return { k: 'var', name, pos: t.pos };
    }
    if (t.kind === 'op') {
      if (t.value === '(') {
        this.next();
        const e = this.conditional();
        if (this.isOp(',')) return this.tupleRest(e);
        this.expectOp(')');
        return e;
      }
      if (t.value === '[') {
        this.next();
        const items = this.sequence(']');
        return { k: 'list', items };
      }
      if (t.value === '{') {
        if (this.isOp('{', 1)) throw new ExpressionSyntaxError("unexpected '{{'", t.pos, "don't put {{ }} inside a condition: write the variable name");
        this.next();
        return this.dict();
      }
    }
    if (t.kind === 'eof') throw new ExpressionSyntaxError('unexpected end of condition', t.pos);
    throw new ExpressionSyntaxError(`unexpected ${describe(t)}`, t.pos);
  }

  /** `(a, b)` is a tuple, which behaves as a list. */
  private tupleRest(first: Expr): Expr {
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isOp(')')) break;
      items.push(this.conditional());
    }
    this.expectOp(')');
    return { k: 'list', items };
  }

  private dict(): Expr {
    const entries: [Expr, Expr][] = [];
    while (!this.isOp('}')) {
      const key = this.conditional();
      this.expectOp(':');
      entries.push([key, this.conditional()]);
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp('}');
    return { k: 'dict', entries };
  }

  private sequence(close: string): Expr[] {
    const items: Expr[] = [];
    while (!this.isOp(close)) {
      items.push(this.conditional());
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(close);
    return items;
  }

  /** `(a, b, key=value)`: positional arguments first, then keyword arguments. */
  protected args(): { args: Expr[]; kw: KwArgs } {
    this.expectOp('(');
    const args: Expr[] = [];
    const kw: KwArgs = [];
    while (!this.isOp(')')) {
      if (this.peek().kind === 'name' && this.isOp('=', 1)) {
        const name = this.next().value as string;
        this.next();
        kw.push([name, this.conditional()]);
      } else {
        if (kw.length) throw new ExpressionSyntaxError('a positional argument after a keyword argument', this.peek().pos);
        args.push(this.conditional());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.expectOp(')');
    return { args, kw };
  }
}
