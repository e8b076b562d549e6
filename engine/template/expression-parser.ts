/**
 * Recursive-descent parser of the condition language. Precedence, loosest first (as in Jinja):
 *   `x if c else y` < or < and < not < comparisons, `in`, `is` tests < `+ - ~` < `* / // %`
 *   < unary `-` < `|` filters < `.attr`, `[index]`, `.method()` < literals, names, `( )`.
 * Nothing here can call into JavaScript: names resolve to variables, filters/tests/methods to our
 * own tables, attributes to own data properties only.
 */
import { didYouMean } from '../errors.ts';
import { ExpressionSyntaxError, tokenize, type Token } from './expression-lexer.ts';
import { FILTERS, FUNCTIONS, METHODS, TESTS } from './expression-library.ts';

export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=' | 'in' | 'not in';
export type ArithOp = '+' | '-' | '*' | '/' | '//' | '%' | '~' | '**';

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'var'; name: string; pos: number }
  | { k: 'attr'; obj: Expr; name: string; pos: number }
  | { k: 'index'; obj: Expr; index: Expr; pos: number }
  | { k: 'slice'; obj: Expr; start?: Expr; end?: Expr; step?: Expr; pos: number }
  | { k: 'call'; obj: Expr; name: string; args: Expr[]; kw: KwArgs; pos: number }
  | { k: 'fn'; name: string; args: Expr[]; kw: KwArgs; pos: number }
  | { k: 'list'; items: Expr[] }
  | { k: 'dict'; entries: [Expr, Expr][] }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr; pos: number }
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr }
  | { k: 'cmp'; first: Expr; rest: { op: CompareOp; e: Expr; pos: number }[] }
  | { k: 'arith'; op: ArithOp; l: Expr; r: Expr; pos: number }
  | { k: 'test'; e: Expr; name: string; args: Expr[]; negated: boolean; pos: number }
  | { k: 'filter'; e: Expr; name: string; args: Expr[]; kw: KwArgs; pos: number };

/** Keyword arguments `name=value` of a filter, function or method call, in source order. */
export type KwArgs = [string, Expr][];

/** Collections whose filters and tests kplay implements under their short names (FQCN spellings). */
const FQCN_PREFIXES = ['ansible.builtin.', 'ansible.utils.', 'ansible.netcommon.', 'community.general.', 'ansible.legacy.'];

/** `ansible.builtin.default` → `default`; other names unchanged. */
export function shortName(name: string): string {
  for (const p of FQCN_PREFIXES) if (name.startsWith(p)) return name.slice(p.length);
  return name;
}

const LITERAL_NAMES: Record<string, unknown> = {
  true: true,
  True: true,
  false: false,
  False: false,
  none: null,
  None: null,
  null: null,
};

/** Jinja reserves these; as variable names they are always a mistake. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);

export function parseExpression(src: string): Expr {
  return new Parser(tokenize(src)).parseAll();
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

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

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.value === value;
  }
  private isName(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'name' && t.value === value;
  }
  private expectOp(value: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== value) {
      throw new ExpressionSyntaxError(`expected '${value}' but found ${describe(t)}`, t.pos, t.kind === 'op' && t.value === '=' ? "compare with '=='" : undefined);
    }
    return this.next();
  }
  private expectName(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'name') throw new ExpressionSyntaxError(`expected ${what} but found ${describe(t)}`, t.pos);
    return this.next();
  }

  private conditional(): Expr {
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

  /** `ansible.builtin.name`: the dotted rest of a collection-qualified name. */
  private dotted(first: string): string {
    if (first !== 'ansible' && first !== 'community') return first;
    let name = first;
    while (this.isOp('.') && this.peek(1).kind === 'name') {
      this.next();
      name += `.${this.next().value as string}`;
    }
    return name;
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

  private postfix(): Expr {
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
  private args(): { args: Expr[]; kw: KwArgs } {
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

function startsOperand(t: Token): boolean {
  if (t.kind === 'num' || t.kind === 'str') return true;
  if (t.kind === 'name') return !KEYWORDS.has(t.value as string);
  return t.kind === 'op' && (t.value === '[' || t.value === '-');
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the condition';
  if (t.kind === 'str') return `string '${t.value}'`;
  return `'${t.value}'`;
}
