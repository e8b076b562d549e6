/** The parsed form of an expression: what expression-parser.ts builds and expression-eval.ts walks. */

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
