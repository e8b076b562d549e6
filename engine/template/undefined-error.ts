/**
 * The KplayError of an undefined variable, carrying the variable so that callers can decide without
 * parsing the message (the executor turns one on a register that check mode skipped into
 * "unknown in check mode").
 */
import { KplayError, type KplayErrorInit } from '../errors.ts';

export class UndefinedVariableError extends KplayError {
  /** The path as written: `result.stdout_lines[0]`, `hostvars.node9.ip`. */
  readonly variable: string;
  /** Its first segment: the variable itself (`result`, `hostvars`). */
  readonly root: string;

  constructor(variable: string, message: string, init: KplayErrorInit = {}) {
    super('KPLAY_TEMPLATE', message, init);
    this.variable = variable;
    this.root = variable.replace(/^(?:@root\.|this\.)/, '').split(/[.[]/)[0] ?? variable;
  }
}
