/**
 * The module contract. A module reads the host's state, plans changes as pure data, and the
 * executor applies them. Check mode stops after plan(): apply is structurally never called.
 *
 *   read(ctx, args)  → State            (read-only probes; batch them: one round trip if you can)
 *   plan(state, args) → Plan             (pure, fixture-testable, no I/O)
 *   executor applies Plan.changes[].ops  (not in check mode)
 *   result(applied)  → registered fields (stdout, rc … for command-like modules)
 *
 * A plan is data: no functions, no class instances but Buffer (modules/plan-json.ts writes it as
 * JSON and back). Controller work is an op naming a registered ControllerAction with JSON input;
 * the action's return value comes back in OpResult.output.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Duplex } from 'node:stream';
import type { ExecResult, BecomeSpec } from '../engine/transport/transport.ts';
import type { HostQuery, QueryRunner } from './facts/read-only.ts';

export type { HostQuery } from './facts/read-only.ts';

export type Vars = Record<string, unknown>;

/** One side effect. Applied in order by the executor; a failing op fails the task. */
export type Op =
  | {
      kind: 'exec';
      cmd: string | string[];
      stdin?: string | Buffer;
      env?: Record<string, string>;
      cwd?: string;
      timeoutMs?: number;
      /** Exit codes that count as success; 'any' hands every outcome to result(). Default [0]. */
      okCodes?: number[] | 'any';
      /** A user-written command: runs in a process session of its own (see ExecOptions.isolate). */
      isolate?: boolean;
    }
  | {
      kind: 'put';
      path: string;
      content: string | Buffer;
      mode?: string;
      owner?: string;
      group?: string;
      /** Keep the old file as PATH.<timestamp>~ before replacing it. */
      backup?: boolean;
      /** A command with %s, run on the temp file before the rename; non-zero aborts the write. */
      validate?: string;
    }
  | { kind: 'putFile'; localPath: string; path: string; mode?: string; owner?: string; group?: string }
  | { kind: 'remove'; path: string; recursive?: boolean }
  | ControllerOp;

/**
 * Work on the controller (issue a certificate, fill the download cache, send uri's request): the
 * name of a registered action and its input, both plain data, so a plan can be printed, stored
 * and compared. The executor looks `action` up in the registry (`controllerActions` in
 * modules/index.ts, gathered from each module's `actions`) and hands it `input`.
 */
export interface ControllerOp {
  kind: 'controller';
  action: string;
  /** JSON data only: no functions, no class instances (checked for every module by plans-are-data.test.ts). */
  input: unknown;
  /** One line for logs and errors: "issue /pki/apiserver.pem". */
  describe: string;
}

export interface OpResult {
  op: Op;
  exec?: ExecResult;
  /** What a controller action returned (uri's response): results come back as values. */
  output?: unknown;
}

/** What a controller action may use: the controller's paths and the run's services, no host shell. */
export interface ActionContext {
  host: string;
  controller: ControllerPaths;
  progress(message: string): void;
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  signal: AbortSignal;
  /** A file from the host (uri's client certificate for a request that starts there). */
  fetch(path: string): Promise<Buffer | undefined>;
  /** A TCP stream that starts on the host (uri). */
  connectTcp(host: string, port: number): Promise<Duplex>;
}

/**
 * A named piece of controller work, registered by the module that plans it (ModuleDef.actions).
 * run() may throw OpError to fail the task with a message; what it returns is the op's `output`.
 */
export interface ControllerAction<I = unknown, O = unknown> {
  name: string;
  run(input: I, ctx: ActionContext): Promise<O>;
}

export function defineAction<I, O>(a: ControllerAction<I, O>): ControllerAction<I, O> {
  return a;
}

/** The op that runs `action` with `input`; typed by the action, so input and handler cannot drift apart. */
export function controllerOp<I>(action: ControllerAction<I, unknown>, input: I, describe: string): ControllerOp {
  return { kind: 'controller', action: action.name, input, describe };
}

/**
 * An op that failed: fails the task with this message. Thrown by the executor's apply and by a
 * module's controller op (a download that cannot be fetched); the executor turns it into a failed
 * result. Lives here, in the contract, so modules need not import the executor.
 */
export class OpError extends Error {
  constructor(
    message: string,
    readonly result?: OpResult,
  ) {
    super(message);
    this.name = 'OpError';
  }
}

/** A before/after pair the reporter renders as a unified diff (text) or `before → after` (one line). */
export interface Diff {
  path?: string;
  before: string;
  after: string;
}

/**
 * What a change does, recorded in the run's ledger so that later tasks plan on it (check mode on
 * fresh hosts): a path written or removed, an iptables chain made or deleted. put/putFile/remove
 * ops record their path effects by themselves; a change declares the rest in Change.effects.
 * Modules never read the ledger: the probes that read a path or a chain answer from it (their
 * `planned` hook, modules/facts/read-only.ts), and ReadContext.controllerFile for controller files.
 */
export type Effect = PathEffect | ChainEffect;

export interface PathEffect {
  kind: 'path';
  path: string;
  state: 'file' | 'directory' | 'link' | 'absent';
  content?: string | Buffer;
  mode?: string;
  /** Owner and group when the change sets them (a later task then plans against them). */
  owner?: string;
  group?: string;
  /** A file uploaded from the controller (putFile): that file, so a later copy of it is known to change nothing. */
  source?: string;
  /** Where the path is: on the host (default), or on the controller (PKI directory, cache). */
  on?: 'host' | 'controller';
}

/** An iptables chain (iptables -N / -X). */
export interface ChainEffect {
  kind: 'chain';
  family: 'ipv4' | 'ipv6';
  table: string;
  chain: string;
  state: 'present' | 'absent';
}

export interface Change {
  /** One line for the console: "mode 0644 → 0600", "create /etc/kplay.conf". */
  summary: string;
  ops: Op[];
  diff?: Diff;
  /** Content is secret (keys): show the summary only, never the diff or the content. */
  sensitive?: boolean;
  /** Effects beyond put/remove ops (which the executor records by itself), e.g. mkdir via exec. */
  effects?: Effect[];
  /** Set when this change is only predicted because an earlier task in this run would create its input. */
  after?: string;
}

export interface Plan {
  changes: Change[];
  /** Extra fields for the registered result (debug's msg, set_fact's ansible_facts …). */
  result?: Vars;
  /** The task fails with this message (assert, fail, a probe that found something impossible). */
  failed?: string;
  /** The task is skipped with this reason (command with creates= that exists). */
  skipped?: string;
}

/** What an earlier task of this run would make of a path (a probe's planned answer carries it). */
export interface LedgerEntry extends PathEffect {
  /** The name of the task that planned it. */
  by: string;
}

/** The effects planned so far in the run, per host (and one for the controller): read by probes' planned hooks only. */
export interface Ledger {
  path(path: string): LedgerEntry | undefined;
  chain(family: ChainEffect['family'], table: string, chain: string): (ChainEffect & { by: string }) | undefined;
}

export interface ControllerPaths {
  playbookDir: string;
  inventoryDir: string;
  /** The controller-side PKI directory (cert module); default `<inventoryDir>/pki`. */
  pkiDir: string;
  /** Controller download cache, keyed by checksum. */
  cacheDir: string;
}

/**
 * A controller file as the earlier tasks of the run leave it: on disk now, or not there but
 * written by an earlier task (cert writing the CA into pki_dir, on any host: controller files are
 * shared). In a real run that task has run, so the file is on disk.
 */
export interface ControllerFile {
  exists: boolean;
  /** Not on disk, and this earlier task of the run writes it (set only when exists is false). */
  plannedBy?: string;
}

/**
 * What read() sees: the host, read only. There is no exec: read() runs reviewed read-only commands
 * (probes batched by modules/facts/batch.ts, or a HostQuery), reads files (fetch) and controller
 * state, so check mode cannot change a host by construction (modules/facts/read-only.ts).
 *
 * Check mode sees what earlier tasks of the run plan without a module asking for it: on the host,
 * probes answer from the run's ledger (`planned`, applied by runProbes/runQuery: a file an
 * earlier task writes is there, "planned by" it); on the controller, findFile counts a file an
 * earlier task writes as found and controllerFile says which task writes it.
 */
export interface ReadContext extends QueryRunner {
  /** inventory_hostname (or the delegate's name when delegated). */
  host: string;
  /** The fully merged variables of this host for this task (facts included), already rendered on access by the template engine. */
  vars: Vars;
  check: boolean;
  diff: boolean;
  /** Run a read-only command on the host, with the task's become applied. Non-zero exit is data, not an exception. */
  query(q: HostQuery): Promise<ExecResult>;
  fetch(path: string): Promise<Buffer | undefined>;
  /**
   * A TCP stream that starts on the host (uri's GET/HEAD, wait_for). Not read-only by type: what
   * goes over it is the module's to keep to reads (uri sends other methods only as a controller action).
   */
  connectTcp(host: string, port: number): Promise<Duplex>;
  become?: BecomeSpec;
  /**
   * A controller file, searched in the role's files/ or templates/ first, then beside the playbook.
   * A file an earlier task of the run writes counts as found. Throws KplayError when missing.
   */
  findFile(kind: 'files' | 'templates' | 'vars', name: string): string;
  /** Whether a controller file is there, or which earlier task of the run writes it. */
  controllerFile(path: string): ControllerFile;
  /** Render a Handlebars template with this host's variables (strict: undefined is an error). */
  renderTemplate(source: string, extraVars?: Vars): string;
  /** Evaluate a condition (assert's `that`) with this host's variables. */
  evaluate(condition: string): boolean;
  /** The value of an expression in the condition language (debug's `var: result.stdout_lines[0]`). */
  expression(expr: string): unknown;
  controller: ControllerPaths;
  /** Progress of a long step (downloads); shown live, never required. */
  progress(message: string): void;
  /**
   * Run fn once per task across all hosts and share its promise (download_run_once, shared CA
   * creation). The key should identify the work, e.g. a checksum.
   */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  signal: AbortSignal;
}

/** The facts plan() may rely on, passed by value to keep plan() pure. */
export interface PlanContext {
  host: string;
  check: boolean;
  diff: boolean;
}

export interface ModuleDoc {
  short: string;
  description?: string;
  examples?: string;
  notes?: string[];
}

export interface ModuleDef<S extends TSchema = TSchema, State = unknown> {
  name: string;
  /** JSON Schema of the arguments: ajv validator, TypeScript type and `kplay doc` in one. */
  schema: S;
  doc: ModuleDoc;
  /** Key that takes a free-form string (`command: ls -l` → { cmd: 'ls -l' }). */
  freeForm?: string;
  /** 'plan' (default): check mode reports the plan. 'skip': check mode skips the task (command/shell without creates/removes). */
  checkMode?: 'plan' | 'skip' | ((args: Static<S>) => 'plan' | 'skip');
  /**
   * kplay_known_after_apply in the arguments is a value to this module, which carries it on
   * (set_fact: the task that uses the fact meets it there) or prints it (debug). Any other
   * module's task holding it is not read or planned: check mode reports it as a change.
   */
  takesUnknownValues?: boolean;
  /** Rules JSON Schema cannot say well (exclusive keys); messages name the argument. */
  validate?(args: Static<S>): { key?: string; message: string }[];
  /** Controller files the task will need, checked at load time when the name holds no template. */
  localFiles?(args: Static<S>): { kind: 'files' | 'templates'; name: string; key: string }[];
  read(ctx: ReadContext, args: Static<S>): Promise<State>;
  plan(state: State, args: Static<S>, ctx: PlanContext): Plan;
  /** The controller actions this module's plans name (registered by name in modules/index.ts). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each action has its own input type
  actions?: ControllerAction<any, unknown>[];
  /** Fields for the registered result after apply (stdout, rc …); may fail the task. */
  result?(applied: OpResult[], state: State, args: Static<S>): Vars & { failed?: boolean; msg?: string };
}

/** Identity function that keeps the schema's static type flowing into read/plan. */
export function defineModule<S extends TSchema, State>(def: ModuleDef<S, State>): ModuleDef<S, State> {
  return def;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry holds modules of every argument type
export type AnyModule = ModuleDef<any, any>;
