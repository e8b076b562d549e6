/** A lab whose owner process was killed is removed by the next lab start, whoever starts it. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { leftovers, NOTHING } from './leftovers.ts';

const script = fileURLToPath(new URL('./start-and-die.ts', import.meta.url));

function startAndDie(name: string): Promise<{ k: number; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', 'tsx', script, name], (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) return reject(new Error(`start-and-die: ${err?.message ?? ''}\n${stderr}`));
      resolve({ k: (JSON.parse(line) as { k: number }).k, signal: child.signalCode });
    });
  });
}

describe('kplay lab: stale labs', function () {
  let lab: Lab | undefined;
  before(function () {
    requireLab(this);
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  it('removes a lab whose owner was killed when the next lab starts', async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    const dead = await startAndDie('labstale');
    expect(dead.signal).to.equal('SIGKILL');
    // (no look at the leftovers here: another test process starting a lab may clean them first)
    lab = await startLab(1, { name: 'labfresh' });
    const left = leftovers('labstale', dead.k);
    if (lab.subnet === `198.18.${dead.k}.0/24`) {
      // the fresh lab took over the freed subnet: its veth and routes are not leftovers
      expect(left.links.every((l) => l.includes('kplay-labfresh-br'))).to.equal(true);
      left.links = [];
      left.routes = [];
    }
    expect(left).to.deep.equal(NOTHING);
  });
});
