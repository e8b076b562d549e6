import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FOOTPRINT = fileURLToPath(new URL('../../../engine/util/v8-footprint.ts', import.meta.url));

/** The young generation's size after allocating like a run does (much that survives a while), in a fresh node. */
function youngGenerationMB(apply: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    ${apply ? `const { keepFootprintSmall } = await import(${JSON.stringify(FOOTPRINT)}); keepFootprintSmall();` : ''}
    let keep = [];
    for (let i = 0; i < 400000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 50000) keep = []; }
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(young.space_size / 1048576);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return Number(r.stdout.trim());
}

describe('v8-footprint: the settings a run applies to V8 once its code is loaded', function () {
  this.timeout(20000);

  // a Node upgrade that ignored the flags set at run time would silently bring back ~30 MB per run
  it('keep the young generation at its initial size where V8 would grow it', () => {
    // measured: 32 MB without, 4 with (tsx's own start-up has grown it from 2 before the call)
    expect(youngGenerationMB(false)).to.be.at.least(16);
    expect(youngGenerationMB(true)).to.be.at.most(8);
  });
});
