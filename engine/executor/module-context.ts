/** Builds the ReadContext a module sees for one task on one host. */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ControllerFile, ControllerPaths, HostQuery, Ledger, ReadContext, Vars } from '../../modules/api.ts';
import type { BecomeSpec, ExecResult, TcpCapable, Transport } from '../transport/transport.ts';
import { KplayError, type SourceLoc } from '../errors.ts';
import { renderString } from '../template/render.ts';
import { evaluateCondition, evaluateExpression, parseCondition } from '../template/expression.ts';
import { HostLedger } from './ledger.ts';
import { localSearchDirs } from '../load/local-files.ts';

export interface ModuleContextInput {
  host: string;
  transport: Transport;
  vars: Vars;
  check: boolean;
  diff: boolean;
  become?: BecomeSpec;
  ledger: HostLedger;
  controllerLedger?: HostLedger;
  controller: ControllerPaths;
  /** Role directory of the task, for files/ and templates/ lookups. */
  rolePath?: string;
  /** Directory of the file that holds the task (tasks/ of a role, or the playbook's). */
  taskDir?: string;
  taskName?: string;
  loc?: SourceLoc;
  once?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

/** A controller file by Ansible's search order (engine/load/local-files.ts); undefined when missing. */
export function findControllerFile(
  kind: 'files' | 'templates' | 'vars',
  name: string,
  where: { rolePath?: string; taskDir?: string; playbookDir: string; planned?: Ledger },
): string | undefined {
  // a file an earlier task of this run would write on the controller (check mode) counts as found
  const exists = (p: string) => existsSync(p) || where.planned?.path(p)?.state === 'file';
  if (isAbsolute(name)) return exists(name) ? name : undefined;
  const dirs = localSearchDirs(kind, { ...(where.rolePath ? { rolePath: where.rolePath } : {}), baseDir: where.taskDir ?? where.playbookDir }, where.playbookDir);
  return dirs.map((d) => join(d, name)).find(exists);
}

/**
 * A controller file on disk, or the earlier task of the run that writes it (the controller's
 * ledger, shared by all hosts). Like findFile, in real runs too: by then that task has written it.
 */
export function controllerFileOf(path: string, planned: Ledger): ControllerFile {
  if (existsSync(path)) return { exists: true };
  const e = planned.path(path);
  return e?.state === 'file' ? { exists: false, plannedBy: e.by } : { exists: false };
}

/** Runs a reviewed read-only command on a transport: the only way read() reaches a host's shell. */
export function queryOn(t: Transport, become?: BecomeSpec): (q: HostQuery) => Promise<ExecResult> {
  return (q) => t.exec(q.cmd, { become, ...(q.stdin !== undefined ? { stdin: q.stdin } : {}), ...(q.timeoutMs ? { timeoutMs: q.timeoutMs } : {}) });
}

export function createModuleContext(i: ModuleContextInput): ReadContext {
  const onceCache = new Map<string, Promise<unknown>>();
  const controllerLedger = i.controllerLedger ?? new HostLedger();
  const renderCtx = { loc: i.loc, task: i.taskName };
  return {
    host: i.host,
    vars: i.vars,
    check: i.check,
    diff: i.diff,
    become: i.become,
    query: queryOn(i.transport, i.become),
    // nothing is applied in check mode: probes answer what the earlier tasks would have made
    ...(i.check ? { planned: i.ledger } : {}),
    fetch: (path) => i.transport.fetch(path, { become: i.become }),
    connectTcp: (host, port) => {
      const t = i.transport as Transport & Partial<TcpCapable>;
      if (!t.connectTcp) throw new Error(`transport ${t.kind} cannot open TCP streams`);
      return t.connectTcp(host, port);
    },
    findFile(kind, name) {
      const found = findControllerFile(kind, name, { rolePath: i.rolePath, taskDir: i.taskDir, playbookDir: i.controller.playbookDir, planned: controllerLedger });
      if (!found) {
        const where = isAbsolute(name)
          ? 'the path does not exist'
          : `looked in ${localSearchDirs(kind, { ...(i.rolePath ? { rolePath: i.rolePath } : {}), baseDir: i.taskDir ?? i.controller.playbookDir }, i.controller.playbookDir).join(', ')}`;
        throw new KplayError('KPLAY_FILE_NOT_FOUND', `${kind === 'files' ? 'file' : kind === 'vars' ? 'vars file' : 'template'} not found: ${name}`, { loc: i.loc, hint: where });
      }
      return found;
    },
    controllerFile: (path) => controllerFileOf(path, controllerLedger),
    renderTemplate: (source, extraVars) => renderString(source, extraVars ? { ...i.vars, ...extraVars } : i.vars, renderCtx),
    evaluate: (condition) => evaluateCondition(parseCondition(condition, i.loc), i.vars),
    expression: (expr) => evaluateExpression(parseCondition(expr, i.loc), i.vars),
    controller: i.controller,
    progress: i.progress ?? (() => {}),
    once:
      i.once ??
      (<T>(key: string, fn: () => Promise<T>): Promise<T> => {
        let p = onceCache.get(key) as Promise<T> | undefined;
        if (!p) onceCache.set(key, (p = fn()));
        return p;
      }),
    signal: i.signal ?? new AbortController().signal,
  };
}
