/** The lab cleans up when things go wrong: a host that will not stop, a start that fails, a dead lab. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cleanStaleLabs, downLab, upLab } from '../../../engine/lab/lab.ts';
import { withLock } from '../../../engine/lab/lock.ts';
import { REGISTRY_LOCK } from '../../../engine/lab/names.ts';
import { LAB_START_TIMEOUT_MS, requireLab, startLab } from '../../support/lab.ts';
import { leftovers, NOTHING } from './leftovers.ts';

const kOf = (subnet: string) => Number(subnet.split('.')[2]);

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}

describe('kplay lab: when things go wrong', function () {
  this.timeout(LAB_START_TIMEOUT_MS);
  before(function () {
    requireLab(this);
  });
  after(async () => {
    for (const name of ['labhang', 'labfail', 'labdead']) await downLab({ name }, { graceMs: 1000 });
  });

  it('kills a host that ignores SIGTERM once the grace period is over', async () => {
    const lab = await startLab(1, { name: 'labhang' });
    const pid = Number(readFileSync(`${lab.dir}/hosts/h1/nspawn.pid`, 'utf8'));
    process.kill(pid, 'SIGSTOP'); // nspawn can no longer pass the SIGTERM on
    await downLab({ name: 'labhang' }, { graceMs: 500 });
    expect(leftovers('labhang', kOf(lab.subnet))).to.deep.equal(NOTHING);
  });

  it('removes what a failed start had made', async () => {
    execFileSync('ip', ['netns', 'add', 'kplay-labfail-h2']); // host 2 cannot get its netns
    let error: Error | undefined;
    try {
      await upLab(3, { name: 'labfail' });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/netns add kplay-labfail-h2|File exists/);
    const left = leftovers('labfail', 0);
    expect({ ...left, routes: [], links: [] }).to.deep.equal(NOTHING);
  });

  it('treats a `kplay lab up` lab with no host left running as stale', async () => {
    const lab = await upLab(2, { name: 'labdead', persistent: true });
    // as after a reboot: every process of the lab is gone
    for (let left = leftovers('labdead', lab.k).processes; left.length; left = leftovers('labdead', lab.k).processes) {
      for (const p of left) killQuietly(p);
      await new Promise((r) => setTimeout(r, 50));
    }
    const removed = await withLock(REGISTRY_LOCK, () => cleanStaleLabs());
    expect(removed).to.include('labdead');
    expect(leftovers('labdead', lab.k)).to.deep.equal(NOTHING);
  });
});
