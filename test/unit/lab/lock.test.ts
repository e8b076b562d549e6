/** The flock-based lock: exclusive, and released by the kernel when its holder is killed. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock } from '../../../engine/lab/lock.ts';

const lockModule = fileURLToPath(new URL('../../../engine/lab/lock.ts', import.meta.url));

describe('lab: lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-lock-'));
  const path = join(dir, 'x.lock');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in at a time', async () => {
    const order: string[] = [];
    const first = await acquireLock(path);
    const second = acquireLock(path).then((l) => (order.push('second'), l));
    await new Promise((r) => setTimeout(r, 200));
    order.push('first releases');
    await first.release();
    await (await second).release();
    expect(order).to.deep.equal(['first releases', 'second']);
  });

  it('is free again when its holder is killed without releasing it', async function () {
    this.timeout(20_000);
    const script = `const { acquireLock } = await import(${JSON.stringify(lockModule)}); await acquireLock(${JSON.stringify(path)}); process.stdout.write('held\\n', () => process.kill(process.pid, 'SIGKILL'));`;
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], (_err, stdout) => resolve(stdout));
    });
    expect(out).to.equal('held\n');
    const lock = await acquireLock(path); // would hang (and time out) if the dead holder kept it
    await lock.release();
  });
});
