/** Write docs/modules.md from a module registry (run by scripts/gen-module-docs.ts). */
import { writeFileSync } from 'node:fs';
import type { AnyModule } from '../../modules/api.ts';
import { renderModulesMarkdown } from './markdown.ts';

export function writeModulesMarkdown(modules: Record<string, AnyModule>, file: string): { file: string; modules: number } {
  writeFileSync(file, renderModulesMarkdown(modules));
  return { file, modules: Object.keys(modules).length };
}
