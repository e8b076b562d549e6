/**
 * Every kind of bad input the loader knows, through the real CLI: exit code 4, `file:line:col: reason`
 * on the first line, the source line and a caret, and no task ever started.
 */
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

const dir = join(import.meta.dirname, '../../fixtures/load/bad');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
/** Fixtures whose first error must name this line (issue 19: keyword values and notify). */
const LINE: Record<string, number> = { 'bad-bool-keyword.yml': 5, 'bad-int-keyword.yml': 2, 'templated-bool-keyword.yml': 5, 'notify-missing.yml': 10 };

describe('bad input through the CLI', () => {
  it('has at least 20 kinds of bad input', () => expect(files.length).to.be.at.least(20));
  for (const f of files) {
    it(`${f}: exit 4, located, nothing run`, async () => {
      const r = await kplay('run', join(dir, f), '-i', 'localhost,');
      expect(r.code, r.stderr).to.equal(4);
      const first = r.stderr.split('\n')[0]!;
      expect(first).to.match(/^\/\S+\.ya?ml:\d+:\d+: \S.*$/);
      if (LINE[f] !== undefined) expect(first).to.include(`${f}:${LINE[f]}:`);
      expect(r.stderr).to.match(/\n\s+\d+ \| .*\n\s+\^/);
      expect(r.stdout).not.to.match(/TASK \[/);
    });
  }
  it('a bad option exits 5', async () => {
    const r = await kplay('run', '--no-such-flag');
    expect(r.code).to.equal(5);
  });
});
