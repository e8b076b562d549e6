/** An internal error from a bundle prints the sources' positions (engine/util/mapped-stack.ts). */
import { expect } from 'chai';
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mappedStack } from '../../../engine/util/mapped-stack.ts';

describe('mappedStack: bundle positions back to the sources', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-mapped-stack-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // built as scripts/build.mjs builds dist/kplay.cjs: one line of code, a linked source map
  const bundle = (name: string, map: boolean) => {
    writeFileSync(join(dir, 'inner.ts'), 'export function inner(n: number): number {\n  if (n > 1) {\n    throw new TypeError(`bad ${n}`);\n  }\n  return n;\n}\n');
    writeFileSync(join(dir, 'entry.ts'), "import { inner } from './inner.ts';\n\nexport function outer(): number {\n  return inner(2) + 1;\n}\n");
    const outfile = join(dir, `${name}.cjs`);
    buildSync({ entryPoints: [join(dir, 'entry.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', minifyWhitespace: true, sourcemap: map ? 'linked' : false, logLevel: 'silent' });
    return outfile;
  };
  /** The error as a plain node prints it (this process maps stacks itself: tsx enables source maps). */
  const thrown = (bundleFile: string): Error => {
    const r = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(bundleFile)}).outer() } catch (e) { process.stdout.write(e.stack) }`], { encoding: 'utf8' });
    const e = new TypeError('bad 2');
    e.stack = r.stdout;
    return e;
  };

  it('names the TypeScript file, line and column of each frame in the bundle', () => {
    const e = thrown(bundle('mapped', true));
    expect(e.stack).to.match(/mapped\.cjs:\d+:\d+/);
    const s = mappedStack(e);
    expect(s).to.match(/^TypeError: bad 2\n/);
    expect(s).to.contain(`at inner (${join(dir, 'inner.ts')}:3:11)`);
    expect(s).to.contain(`outer (${join(dir, 'entry.ts')}:4:10)`);
    expect(s).not.to.contain('mapped.cjs');
    // frames outside the bundle stay as they were
    expect(s).to.contain('[eval]');
  });

  it('leaves a stack as it is when the bundle has no map', () => {
    const e = thrown(bundle('unmapped', false));
    expect(mappedStack(e)).to.equal(e.stack);
  });
});
