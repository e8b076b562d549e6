/**
 * STUB — the template helper replaces the bodies. Signatures are the contract.
 * The safe condition language of when / changed_when / failed_when / until / assert.
 */
import { KplayError, type SourceLoc } from '../errors.ts';

export type Vars = Record<string, unknown>;

/** A parsed condition; parsing happens at load time so syntax errors are load errors. */
export interface Condition {
  source: string;
  loc?: SourceLoc;
  /** Parsed form, opaque to callers. */
  ast: unknown;
}

/** Parse `a == 1 and b is defined`; a boolean literal is accepted too. Throws KplayError('KPLAY_EXPRESSION') with loc. */
export function parseCondition(source: string | boolean, loc?: SourceLoc): Condition {
  return { source: String(source), loc, ast: source };
}

/**
 * Evaluate with the host's variables. An undefined variable throws KplayError('KPLAY_TEMPLATE')
 * naming the variable (except under `is defined` / `is undefined` / `default`).
 */
export function evaluateCondition(cond: Condition, _vars: Vars): boolean {
  throw new KplayError('KPLAY_INTERNAL', `expression engine not implemented: ${cond.source}`);
}
