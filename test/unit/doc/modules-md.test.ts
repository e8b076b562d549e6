import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modules } from '../../../modules/index.ts';
import { renderModulesMarkdown } from '../../../engine/doc/markdown.ts';

describe('docs/modules.md', () => {
  it('is generated from the module schemas and up to date (npx tsx scripts/gen-module-docs.ts)', () => {
    const committed = readFileSync(join(import.meta.dirname, '../../../docs/modules.md'), 'utf8');
    expect(committed === renderModulesMarkdown(modules), 'docs/modules.md is stale: run npx tsx scripts/gen-module-docs.ts').to.equal(true);
  });
});
