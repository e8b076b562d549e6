/** Controller files a task needs (copy src, template src): checked at load time unless templated. */
import { resolve } from 'node:path';
import { KplayError, type SourceLoc } from '../errors.ts';
import { isTemplate } from '../template/render.ts';
import type { AnyModule } from '../../modules/api.ts';
import type { Vars } from '../playbook/model.ts';
import type { LoadContext, Scope } from './context.ts';
import type { Segment } from './schema-errors.ts';
import { findIn } from './paths.ts';

/**
 * Ansible's search order for a task's controller file (copy src, template src, include_vars): the
 * role's kind/ and the role, the task file's dir/kind and dir, the playbook's dir/kind and dir.
 * The one definition, used at load time (missing-file errors) and at run time (ctx.findFile).
 */
export function localSearchDirs(kind: 'files' | 'templates' | 'vars', where: { rolePath?: string; baseDir: string }, playbookDir: string): string[] {
  const dirs: string[] = [];
  if (where.rolePath) dirs.push(resolve(where.rolePath, kind), where.rolePath);
  dirs.push(resolve(where.baseDir, kind), where.baseDir, resolve(playbookDir, kind), playbookDir);
  return [...new Set(dirs)];
}

export function checkLocalFiles(
  def: AnyModule,
  args: Vars,
  locate: (path: Segment[], want: 'key' | 'value') => SourceLoc | undefined,
  scope: Scope,
  ctx: LoadContext,
): void {
  if (!def.localFiles) return;
  let wanted: { kind: 'files' | 'templates'; name: string; key: string }[];
  try {
    wanted = def.localFiles(args);
  } catch {
    return; // a module that cannot say at load time will fail at run time with its own message
  }
  for (const w of wanted) {
    if (typeof w.name !== 'string' || isTemplate(w.name)) continue;
    const dirs = localSearchDirs(w.kind, { ...(scope.role ? { rolePath: scope.role.path } : {}), baseDir: scope.baseDir }, ctx.playbookDir);
    if (!findIn(w.name, dirs)) {
      ctx.diag.error(
        new KplayError('KPLAY_FILE_NOT_FOUND', `${def.name}: ${w.key} file not found: ${w.name}`, {
          loc: locate([w.key], 'value'),
          hint: `looked in ${dirs.join(', ')}`,
        }),
      );
    }
  }
}
