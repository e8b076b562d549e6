/**
 * Evaluation of parsed conditions. Variables come from the lazy view (so `etcd_dir` that is itself
 * a template reads rendered); attribute access reaches own data properties only, so no expression
 * can get at `constructor`, `__proto__` or any JavaScript function.
 */
import { ANSIBLE_FILTERS } from './filters/index.ts';
import type { EvalEnv, Kw } from './filters/types.ts';
import { FILTERS, FUNCTIONS, METHODS, TESTS, lookupMember, stringOf } from './expression-library.ts';
import type { Expr } from './expression-ast.ts';
import {
  compare,
  contains,
  deepEqual,
  toInt,
  truthy,
  typeName,
} from './values.ts';

/** An undefined variable outside `is defined` / `default`; the public API turns it into KPLAY_TEMPLATE. */
export class UndefinedVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly pos: number,
  ) {
    super(`undefined variable '${variable}'`);
    this.name = 'UndefinedVariableError';
  }
}

/** A type error (comparing a list with a number, `is changed` on a string …), with its position. */
export class EvaluationError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = 'EvaluationError';
  }
}

type Vars = Record<string, unknown>;

export function evaluate(e: Expr, vars: Vars, env: EvalEnv = {}): unknown {
  return new Evaluator(vars, env).eval(e, false);
}

function kwOf(kw: [string, unknown][]): Kw {
  const out: Kw = {};
  for (const [k, v] of kw) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

class Evaluator {
  constructor(
    private readonly vars: Vars,
    private readonly env: EvalEnv,
  ) {}

  /** soft: an undefined variable reads as undefined instead of throwing (under `is defined`, `default`). */
  eval(e: Expr, soft: boolean): unknown {
    switch (e.k) {
      case 'lit':
        return e.v;
      case 'var':
        // Vars are data: a function value (never from YAML) reads as undefined.
        if (Object.hasOwn(this.vars, e.name) && typeof this.vars[e.name] !== 'function') return this.vars[e.name];
        if (soft) return undefined;
        throw new UndefinedVariableError(e.name, e.pos);
      case 'attr':
      case 'index':
        return this.member(e, soft);
      case 'slice': {
        const obj = this.eval(e.obj, soft);
        const num = (x?: Expr) => (x === undefined ? undefined : this.eval(x, false));
        const [start, end, step] = [num(e.start), num(e.end), num(e.step)];
        return this.guard(e.pos, () => pySlice(obj, start, end, step));
      }
      case 'call': {
        const obj = this.eval(e.obj, soft);
        const args = e.args.map((a) => this.eval(a, false));
        const kw = kwOf(e.kw.map(([k, v]) => [k, this.eval(v, false)]));
        return this.guard(e.pos, () => METHODS[e.name]!(obj, args, kw, this.env));
      }
      case 'fn': {
        const args = e.args.map((a) => this.eval(a, false));
        const kw = kwOf(e.kw.map(([k, v]) => [k, this.eval(v, false)]));
        return this.guard(e.pos, () => FUNCTIONS[e.name]!(args, kw, this.env));
      }
      case 'list':
        return e.items.map((x) => this.eval(x, false));
      case 'dict': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of e.entries) Object.defineProperty(out, String(this.eval(k, false)), { value: this.eval(v, false), enumerable: true, writable: true, configurable: true });
        return out;
      }
      case 'not':
        return !truthy(this.eval(e.e, false));
      case 'neg':
        return this.guard(e.pos, () => -number(this.eval(e.e, false), '-'));
      case 'and': {
        const l = this.eval(e.l, false);
        return truthy(l) ? this.eval(e.r, false) : l;
      }
      case 'or': {
        const l = this.eval(e.l, false);
        return truthy(l) ? l : this.eval(e.r, false);
      }
      case 'cond':
        return truthy(this.eval(e.test, false)) ? this.eval(e.then, false) : this.eval(e.else, false);
      case 'cmp':
        return this.compare(e);
      case 'arith':
        return this.arith(e);
      case 'test': {
        const softOperand = e.name === 'defined' || e.name === 'undefined';
        const v = this.eval(e.e, softOperand);
        const args = e.args.map((a) => this.eval(a, false));
        const result = this.guard(e.pos, () => Boolean(TESTS[e.name]!(v, args, {}, this.env)));
        return e.negated ? !result : result;
      }
      case 'filter': {
        // default and mandatory are about an undefined input: they must see it, not the error
        const softInput = e.name === 'default' || e.name === 'd' || e.name === 'mandatory';
        const v = this.eval(e.e, softInput);
        const args = e.args.map((a) => this.eval(a, false));
        const kw = kwOf(e.kw.map(([k, v]) => [k, this.eval(v, false)]));
        return this.guard(e.pos, () => FILTERS[e.name]!(v, args, kw, this.env));
      }
    }
  }

  private member(e: Expr & { k: 'attr' | 'index' }, soft: boolean): unknown {
    const obj = this.eval(e.obj, soft);
    const key = e.k === 'attr' ? e.name : this.eval(e.index, false);
    if (obj === undefined || obj === null) {
      if (soft) return undefined;
      // The variable itself exists (or eval would have thrown): name the whole path.
      throw new UndefinedVariableError(pathOf(e), e.pos);
    }
    const found = lookupMember(obj, key);
    if (found.ok) return found.value;
    if (soft) return undefined;
    throw new UndefinedVariableError(pathOf(e), e.pos);
  }

  private compare(e: Expr & { k: 'cmp' }): boolean {
    let left = this.eval(e.first, false);
    for (const step of e.rest) {
      const right = this.eval(step.e, false);
      const ok = this.guard(step.pos, () => compareOp(step.op, left, right));
      if (!ok) return false;
      left = right;
    }
    return true;
  }

  private arith(e: Expr & { k: 'arith' }): unknown {
    const l = this.eval(e.l, false);
    const r = this.eval(e.r, false);
    return this.guard(e.pos, () => {
      switch (e.op) {
        case '~':
          return stringOf(l) + stringOf(r);
        case '+':
          if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
          if (typeof l === 'string' && typeof r === 'string') return l + r;
          return number(l, '+') + number(r, '+');
        case '-':
          return number(l, '-') - number(r, '-');
        case '*':
          if (typeof l === 'string' && typeof r === 'number') return l.repeat(Math.max(0, r));
          return number(l, '*') * number(r, '*');
        case '/':
          return divide(number(l, '/'), number(r, '/'));
        case '//':
          return Math.floor(divide(number(l, '//'), number(r, '//')));
        case '%':
          if (typeof l === 'string') return ANSIBLE_FILTERS['format']!(l, Array.isArray(r) ? r : [r], {}, this.env);
          return pyMod(number(l, '%'), number(r, '%'));
        case '**':
          return number(l, '**') ** number(r, '**');
        default:
          throw new TypeError(`unsupported operator '${e.op}'`);
      }
    });
  }

  /** Type errors from operators, filters and tests carry the position of what raised them. */
  private guard<T>(pos: number, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof UndefinedVariableError || err instanceof EvaluationError) throw err;
      if (err instanceof TypeError || err instanceof RangeError) throw new EvaluationError(err.message, pos);
      throw err;
    }
  }
}

function compareOp(op: string, l: unknown, r: unknown): boolean {
  switch (op) {
    case '==':
      return deepEqual(l, r);
    case '!=':
      return !deepEqual(l, r);
    case '<':
      return compare(l, r) < 0;
    case '>':
      return compare(l, r) > 0;
    case '<=':
      return compare(l, r) <= 0;
    case '>=':
      return compare(l, r) >= 0;
    case 'in':
      return contains(r, l);
    case 'not in':
      return !contains(r, l);
    default:
      throw new TypeError(`unknown operator '${op}'`);
  }
}

function number(v: unknown, op: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TypeError(`'${op}' needs numbers, got a ${typeName(v)} (use | int or | float)`);
}

/** Python's `x[start:end:step]` of a list or string. */
function pySlice(obj: unknown, start: unknown, end: unknown, step: unknown): unknown {
  if (!Array.isArray(obj) && typeof obj !== 'string') throw new TypeError(`a ${typeName(obj)} cannot be sliced`);
  const items = typeof obj === 'string' ? [...obj] : obj;
  const n = items.length;
  const st = step === undefined || step === null ? 1 : toInt(step);
  if (st === 0) throw new TypeError('slice step cannot be zero');
  const norm = (v: unknown, dflt: number, lo: number, hi: number) => {
    if (v === undefined || v === null) return dflt;
    let i = toInt(v);
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    for (let i = norm(start, 0, 0, n), e = norm(end, n, 0, n); i < e; i += st) out.push(items[i]);
  } else {
    for (let i = norm(start, n - 1, -1, n - 1), e = norm(end, -1, -1, n - 1); i > e; i += st) out.push(items[i]);
  }
  return typeof obj === 'string' ? out.join('') : out;
}

/** Python's modulo takes the sign of the divisor. */
function pyMod(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero');
  return ((a % b) + b) % b;
}

function divide(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero');
  return a / b;
}

/** `result.stdout_lines[0]` for messages. */
export function pathOf(e: Expr): string {
  switch (e.k) {
    case 'var':
      return e.name;
    case 'attr':
      return `${pathOf(e.obj)}.${e.name}`;
    case 'index':
      return `${pathOf(e.obj)}[${e.index.k === 'lit' ? JSON.stringify(e.index.v) : '…'}]`;
    case 'call':
      return `${pathOf(e.obj)}.${e.name}()`;
    default:
      return '(…)';
  }
}
