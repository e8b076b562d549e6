/** A lab whose owner process was killed is removed by the next lab start, whoever starts it. */
import { expect } from 'chai';
import { runChild } from './run-child.ts';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { leftovers, NOTHING } from './leftovers.ts';

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
    const { value: dead, signal } = await runChild<{ k: number }>('die', 'labstale');
    expect(signal).to.equal('SIGKILL');
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
