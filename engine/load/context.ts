/** State shared while loading one playbook: collected errors and warnings, options, the play being built. */
import { KplayError, type SourceLoc } from '../errors.ts';
import type { AnyModule } from '../../modules/api.ts';
import type { Handler, RoleApplication, RoleRef, Vars } from '../playbook/model.ts';
import type { Inherited } from './inherit.ts';

export interface LoadWarning {
  message: string;
  loc?: SourceLoc;
}

/** Errors and warnings of a load. A file read twice (a role applied twice) reports its problems once. */
export class Diagnostics {
  readonly errors: KplayError[] = [];
  readonly warnings: LoadWarning[] = [];
  private readonly seen = new Set<string>();
  private fresh(message: string, loc?: SourceLoc): boolean {
    const key = `${loc?.file}:${loc?.line}:${loc?.col}:${message}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
  error(err: KplayError): void {
    if (this.fresh(err.message, err.loc)) this.errors.push(err);
  }
  add(errs: KplayError[]): void {
    for (const e of errs) this.error(e);
  }
  warn(message: string, loc?: SourceLoc): void {
    if (this.fresh(`warning:${message}`, loc)) this.warnings.push({ message, loc });
  }
}

export interface LoadOptions {
  rolesPath: string[];
  extraVars?: Vars;
  /** The module registry; defaults to modules/index.ts (tests pass their own). */
  modules?: Record<string, AnyModule>;
}

export interface LoadContext {
  diag: Diagnostics;
  modules: Record<string, AnyModule>;
  playbookDir: string;
  rolesPath: string[];
  extraVars: Vars;
}

/** What is being built for one play: role applications and handlers collected from roles. */
export interface PlayBuild {
  roles: RoleApplication[];
  handlers: Handler[];
  /** Role applications already made in this play (dedup: a role runs once unless params differ). */
  applied: Set<string>;
}

/** Where items are being read from. */
export interface Scope {
  file: string;
  /** Directory relative paths in this file resolve from. */
  baseDir: string;
  role?: RoleRef;
  /** Keywords inherited from the enclosing play, role, block or import. */
  inherited: Inherited;
  /** Files being imported, outermost first (cycle detection). */
  importStack: string[];
  /** Set while loading handlers: tasks become handlers. */
  handlers?: boolean;
}
