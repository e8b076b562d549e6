import { expect } from 'chai';
import { mkdtempSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Op } from '../../../modules/api.ts';
import { applyOps, OpError } from '../../../engine/executor/apply.ts';
import { applySteps } from '../../../engine/executor/exec-batch.ts';
import { LocalTransport } from '../../../engine/transport/local.ts';
import type { ExecOptions, ExecResult } from '../../../engine/transport/transport.ts';

/** The controller's own sh, counting the scripts it is sent: one per round trip on a real host. */
class CountingLocal extends LocalTransport {
  scripts: string[] = [];
  override exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.scripts.push(Array.isArray(cmd) ? cmd.join(' ') : cmd);
    return super.exec(cmd, opts);
  }
}

describe('applying a task\'s plain commands as one script', () => {
  let dir: string;
  let t: CountingLocal;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-batch-'));
    t = new CountingLocal('localhost');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('groups runs of plain commands; stdin, okCodes, isolate, env and files stay apart', () => {
    const ops: Op[] = [
      { kind: 'exec', cmd: ['mkdir', '-p', '--', '/x'] },
      { kind: 'exec', cmd: ['chmod', '--', '0755', '/x'], okCodes: [0] },
      { kind: 'exec', cmd: 'cat', stdin: 'x' },
      { kind: 'exec', cmd: ['true'] },
      { kind: 'exec', cmd: ['a'], okCodes: 'any' },
      { kind: 'exec', cmd: ['b'], isolate: true },
      { kind: 'exec', cmd: ['c'], env: { A: '1' } },
      { kind: 'put', path: '/y', content: 'y' },
      { kind: 'exec', cmd: ['d'] },
      { kind: 'exec', cmd: 'e' },
    ];
    expect(applySteps(ops).map((s) => ('batch' in s ? s.batch.length : 'single'))).to.deep.equal([2, 'single', 'single', 'single', 'single', 'single', 'single', 2]);
  });

  it('mkdir and chmod: one round trip, the same result', async () => {
    const d = join(dir, 'a', 'b');
    await applyOps(t, [{ kind: 'exec', cmd: ['mkdir', '-p', '--', d] }, { kind: 'exec', cmd: ['chmod', '--', '0700', d] }], { batch: true });
    expect(t.scripts).to.have.length(1);
    expect(statSync(d).mode & 0o777).to.equal(0o700);
  });

  it('stops at the first failure and names that command, its exit code and its stderr', async () => {
    const ops: Op[] = [
      { kind: 'exec', cmd: ['touch', '--', join(dir, 'first')] },
      { kind: 'exec', cmd: 'echo boom >&2\nexit 3' },
      { kind: 'exec', cmd: ['touch', '--', join(dir, 'third')] },
    ];
    const err = await applyOps(t, ops, { batch: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(OpError);
    expect((err as OpError).message).to.equal('echo boom >&2: exit 3: boom');
    expect((err as OpError).result?.op).to.equal(ops[1]);
    expect((err as OpError).result?.exec?.stderr).to.not.contain('kplay-op-failed');
    expect(existsSync(join(dir, 'first'))).to.equal(true);
    expect(existsSync(join(dir, 'third'))).to.equal(false);
  });

  it("a failure's stderr is its own: what the commands before it printed there is not charged to it", async () => {
    const ops: Op[] = [
      { kind: 'exec', cmd: 'echo a warning >&2' },
      { kind: 'exec', cmd: 'echo another >&2' },
      { kind: 'exec', cmd: 'echo boom >&2\nexit 4' },
    ];
    const err = (await applyOps(t, ops, { batch: true }).catch((e: unknown) => e)) as OpError;
    expect(err.message).to.equal('echo boom >&2: exit 4: boom');
    expect(err.result?.exec?.stderr.trim()).to.equal('boom');
  });

  it('runs each command as applying it alone would: an exit or a umask does not reach the next', async () => {
    const file = join(dir, 'f');
    await applyOps(t, [{ kind: 'exec', cmd: 'exit 0' }, { kind: 'exec', cmd: ['umask', '0777'] }, { kind: 'exec', cmd: ['touch', '--', file] }], { batch: true });
    expect(t.scripts).to.have.length(1);
    expect(statSync(file).mode & 0o777).to.not.equal(0);
  });

  it('without batch, one round trip per command (modules that read their commands\' output)', async () => {
    await applyOps(t, [{ kind: 'exec', cmd: ['true'] }, { kind: 'exec', cmd: ['true'] }]);
    expect(t.scripts).to.have.length(2);
  });
});
