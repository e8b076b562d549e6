/**
 * Regenerate docs/modules.md from the module registry: `npx tsx scripts/gen-module-docs.ts [OUT]`.
 * Works with whatever modules are registered in modules/index.ts at the time.
 */
import { fileURLToPath } from 'node:url';
import { modules } from '../modules/index.ts';
import { writeModulesMarkdown } from '../engine/doc/generate.ts';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/modules.md', import.meta.url));
const { file, modules: count } = writeModulesMarkdown(modules, out);
console.log(`wrote ${count} modules to ${file}`);
