/** Ten hosts at once: all boot, all answer over SSH, and the lab still stops without leftovers. */
import { expect } from 'chai';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { leftovers, NOTHING } from './leftovers.ts';

describe('kplay lab: 10 hosts', function () {
  let lab: Lab | undefined;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    const t0 = Date.now();
    lab = await startLab(10, { name: 'labscale' });
    console.log(`      lab of 10 up in ${Date.now() - t0} ms: ${JSON.stringify(lab.timings)}`);
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  it('answers on every host as itself', async function () {
    this.timeout(60_000);
    const ts = await Promise.all(lab!.hosts.map((_, i) => lab!.transport(i)));
    const names = await Promise.all(ts.map(async (t) => (await t.exec('hostname')).stdout.trim()));
    expect(names).to.deep.equal(lab!.hosts.map((h) => h.name));
  });

  it('stops all ten and leaves nothing behind', async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    const k = Number(lab!.subnet.split('.')[2]);
    const t0 = Date.now();
    await lab!.stop();
    console.log(`      stop of 10 hosts: ${Date.now() - t0} ms`);
    expect(leftovers('labscale', k)).to.deep.equal(NOTHING);
    lab = undefined;
  });
});
