/**
 * The loader: YAML playbooks, task files, roles → the validated Playbook model
 * (engine/playbook/model.ts). It never touches a host. Every error of every file is collected and
 * thrown together as KplayErrors; each KplayError has a code and a file:line:col.
 */
import { resolve } from 'node:path';
import { KplayErrors } from '../errors.ts';
import type { Playbook, Vars } from '../playbook/model.ts';
import { modules as registry } from '../../modules/index.ts';
import { Diagnostics, type LoadContext, type LoadOptions, type LoadWarning } from './context.ts';
import { loadPlaybookFile } from './playbook.ts';

export type { LoadOptions, LoadWarning } from './context.ts';
export { loadVarsFile } from './vars-file.ts';
export { loadTaskFile, loadRoleForInclude, validateModuleArgs, type RuntimeLoadOptions } from './runtime.ts';
export { localSearchDirs } from './local-files.ts';
export { roleSearchDirs } from './roles.ts';

/** Load and validate a playbook. Throws KplayErrors with all errors found in all files. */
export function loadPlaybook(file: string, opts: LoadOptions): { playbook: Playbook; warnings: LoadWarning[] } {
  const abs = resolve(file);
  const ctx: LoadContext = {
    diag: new Diagnostics(),
    modules: opts.modules ?? registry,
    playbookDir: resolve(abs, '..'),
    rolesPath: opts.rolesPath,
    extraVars: opts.extraVars ?? ({} as Vars),
  };
  const plays = loadPlaybookFile(abs, ctx);
  if (ctx.diag.errors.length > 0) throw new KplayErrors(ctx.diag.errors);
  return { playbook: { file: abs, plays }, warnings: ctx.diag.warnings };
}
