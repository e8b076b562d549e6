import { expect } from 'chai';
import { ChannelPool } from '../../../engine/transport/channel-pool.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('ChannelPool', () => {
  it('never holds more than the limit, and serves waiters first-in first-out', async () => {
    const pool = new ChannelPool(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const jobs = [0, 1, 2, 3, 4].map((i) =>
      pool.with(async () => {
        order.push(i);
        await new Promise<void>((r) => releases.push(r));
      }),
    );
    await tick();
    expect(order).to.deep.equal([0, 1]);
    expect(pool.active).to.equal(2);
    expect(pool.queued).to.equal(3);
    releases.shift()!();
    await tick();
    await tick();
    expect(order).to.deep.equal([0, 1, 2]);
    while (releases.length || order.length < 5) {
      releases.shift()?.();
      await tick();
      await tick();
    }
    await Promise.all(jobs);
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
    expect(pool.highWater).to.equal(2);
    expect(pool.active).to.equal(0);
  });

  it('releases the slot when the job throws', async () => {
    const pool = new ChannelPool(1);
    await pool.with(async () => Promise.reject(new Error('x'))).catch(() => undefined);
    expect(pool.active).to.equal(0);
    expect(await pool.with(async () => 42)).to.equal(42);
  });

  it('shrinks but never below one', () => {
    const pool = new ChannelPool(8);
    pool.shrink(3);
    expect(pool.max).to.equal(3);
    pool.shrink(5);
    expect(pool.max).to.equal(3);
    pool.shrink(0);
    expect(pool.max).to.equal(1);
  });

  it('never shrinks to the slots held for the whole run: a command can still get one', async () => {
    const pool = new ChannelPool(10);
    expect(pool.tryHold()).to.equal(true);
    // refused while the server still counted closed sessions: the shell's slot and this one
    pool.shrink(1);
    expect(pool.max).to.equal(2);
    expect(await Promise.race([pool.with(async () => 'ran'), new Promise((r) => setTimeout(() => r('waits forever'), 100))])).to.equal('ran');
    pool.releaseHeld();
    pool.shrink(0);
    expect(pool.max).to.equal(1);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new ChannelPool(0)).to.throw(RangeError);
  });
});
