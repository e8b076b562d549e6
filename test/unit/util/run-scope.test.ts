/**
 * A run's state lives in its RunScope (engine/util/run-scope.ts), made and dropped with the run: a
 * second run in the same process (the test suite's, or any) starts with nothing of the first.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunScope, runMemo } from '../../../engine/util/run-scope.ts';
import { authMethods } from '../../../engine/transport/ssh-auth.ts';
import { loadSshConfig } from '../../../engine/transport/ssh-config.ts';
import { sshOptionsFor } from '../../../engine/transport/connect.ts';
import { staleTempScript } from '../../../engine/transport/stale-temps.ts';
import { toWire } from '../../../engine/transport/keeper/wire.ts';

describe('RunScope: what a run keeps, for that run only', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-run-scope-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes each memo once per run, and again for the next run', () => {
    let made = 0;
    const m = runMemo('counter', () => ({ n: ++made }));
    const one = new RunScope();
    expect(one.get(m)).to.equal(one.get(m));
    expect(new RunScope().get(m)).to.deep.equal({ n: 2 });
  });

  it('an encrypted key is decrypted once for the hosts of a run, and the next run asks again', async () => {
    const key = join(dir, 'id_enc');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-a', '1', '-N', 'correct horse', '-f', key], { stdio: 'ignore' });
    let asked = 0;
    const passphrasePrompt = async () => {
      asked++;
      return 'correct horse';
    };
    const run1 = new RunScope();
    await Promise.all([1, 2, 3].map(() => authMethods('root', { privateKeyPath: key, agent: false, passphrasePrompt, scope: run1 })));
    expect(asked).to.equal(1);
    await authMethods('root', { privateKeyPath: key, agent: false, passphrasePrompt, scope: new RunScope() });
    expect(asked, 'a decrypted key stays with its run').to.equal(2);
  });

  it('~/.ssh/config is read once per run: an edit between runs is seen by the next one', () => {
    const cfg = join(dir, 'ssh_config');
    writeFileSync(cfg, 'Host web\n  User first\n');
    const run1 = new RunScope();
    const user = (scope: RunScope) => sshOptionsFor('web', {}, { sshConfig: loadSshConfig(cfg, scope) }).user;
    expect(user(run1)).to.equal('first');
    writeFileSync(cfg, 'Host web\n  User second\n');
    expect(user(run1), 'the file as the run first read it').to.equal('first');
    expect(user(new RunScope())).to.equal('second');
  });

  it("temp files are stale relative to each run's own start", () => {
    const now = Date.now();
    expect(staleTempScript('/x/f', now - 60_000, now)).to.contain('$(date +%s) - 61 ))');
    expect(staleTempScript('/x/f', now, now)).to.contain('$(date +%s) - 1 ))');
  });

  it('never crosses the keeper socket: the wire options carry no run', () => {
    const w = toWire({ host: 'h', address: 'h', scope: new RunScope() }, {});
    expect(w).not.to.have.property('scope');
  });
});
