/**
 * What a module's read() may run on a host: read-only commands, and nothing else. The read context
 * (ReadContext in modules/api.ts) has no exec; it runs a HostQuery, and the probe batch
 * (batch.ts) turns probes into one. They carry a brand only defineQuery, defineParsedQuery and
 * defineProbe give, and test/unit/architecture/read-only.test.ts allows those calls only in
 * modules/facts/ and in files named probes.ts: the reviewed list of every command kplay runs on a
 * host to read it.
 *
 * The same files are the only ones that see the run's ledger (what earlier tasks plan): a probe's
 * or parsed query's `planned` hook turns what the host has into what it will have by this task in
 * check mode (test/unit/architecture/ledger.test.ts holds modules to that).
 *
 * A probe or query must not change the host: no writes, no restarts, no package database
 * updates. Reviewing a probes.ts file means checking exactly that.
 */
import type { ExecResult } from '../../engine/transport/transport.ts';
import type { Ledger } from '../api.ts';

declare const reviewed: unique symbol;

/** A whole read-only command, for what does not fit a probe batch (stdin, a timeout of its own, big output). */
export interface HostQuery {
  /** For error messages: "iptables-save", "kubectl get". */
  readonly name: string;
  readonly cmd: string | string[];
  readonly stdin?: string;
  readonly timeoutMs?: number;
  readonly [reviewed]: true;
}

export interface ProbeOutput {
  rc: number;
  out: string;
}

/**
 * A read-only probe: a shell snippet and a pure parser of its output, batched with others into one
 * round trip. The snippet is a function body: it ends early with `return N`; its own variables may
 * stay set for the probes after it, so it must not read one it did not set.
 */
export interface Probe<T> {
  readonly script: string;
  parse(o: ProbeOutput): T;
  /** Run in a subshell even when `needsSubshell` sees nothing that would change the batch's shell. */
  readonly subshell?: boolean;
  /**
   * Check mode: what the probe would find once the earlier tasks of this run have run, from what
   * it found and the run's planned effects (a file an earlier task writes is there, "planned by"
   * that task). Modules get this answer from runProbes and never read the ledger themselves.
   */
  planned?(found: T, ledger: Ledger): T;
  readonly [reviewed]: true;
}

/**
 * A HostQuery whose output a pure parser reads, for a command that does not fit a probe batch
 * (iptables-save of a table). Like a probe, it may answer for the earlier tasks of the run in
 * check mode (`planned`: a chain an earlier task creates is there); runQuery applies it.
 */
export interface ParsedQuery<T> {
  readonly query: HostQuery;
  parse(r: ExecResult): T;
  planned?(found: T, ledger: Ledger): T;
  readonly [reviewed]: true;
}

/** Who runs queries: the read context (on the task's host, with its become), or a test's transport. */
export interface QueryRunner {
  query(q: HostQuery): Promise<ExecResult>;
  /**
   * Check mode only: the effects earlier tasks of this run plan on this host, for runProbes and
   * runQuery to apply through the probes' planned hooks. Modules never read it themselves
   * (test/unit/architecture/ledger.test.ts).
   */
  planned?: Ledger;
}

export function defineQuery(name: string, q: { cmd: string | string[]; stdin?: string; timeoutMs?: number }): HostQuery {
  return { name, ...q } as HostQuery;
}

export function defineParsedQuery<T>(q: { query: HostQuery; parse(r: ExecResult): T; planned?: (found: T, ledger: Ledger) => T }): ParsedQuery<T> {
  return q as ParsedQuery<T>;
}

export function defineProbe<T>(p: { script: string; parse(o: ProbeOutput): T; subshell?: boolean; planned?: (found: T, ledger: Ledger) => T }): Probe<T> {
  return p as Probe<T>;
}
