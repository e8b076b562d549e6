/**
 * Check mode predicts the real run (issue 20): on fresh lab hosts, for the sample playbook and the
 * bench workload, `--check --json` and then the real run `--json`, compared per host, task and item
 * (test/support/kplay.ts mispredictions): what check says would change is what changes, and a
 * failure of the real run is a failure in check. site.lab.test.ts does the same for site.yml.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { failures, kplay, mispredictions, recap } from '../../support/kplay.ts';
import { serveArtifact, type ArtifactServer } from '../../../bench/lib/artifact.ts';

const ROOT = join(import.meta.dirname, '../../..');

describe('check mode predicts the real run on fresh hosts', function () {
  let lab: Lab;
  let artifact: ArtifactServer | undefined;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(3, { name: 'predict' });
    artifact = await serveArtifact(lab.controllerAddress, join(ROOT, 'bench', 'workload', 'artifact', 'bench-tool'));
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await artifact?.close();
    await lab?.stop();
  });

  const compare = async (args: string[]) => {
    const check = await kplay(...args, '--check');
    const real = await kplay(...args);
    expect(failures(real), real.stdout.slice(-4000)).to.deep.equal([]);
    expect(mispredictions(check, real)).to.deep.equal([]);
    for (const h of lab.hosts) expect(recap(real)[h.name]!.changed, h.name).to.be.greaterThan(0);
  };

  it('playbooks/sample.yml', async function () {
    this.timeout(300_000);
    await compare(['run', join(ROOT, 'playbooks', 'sample.yml'), '-i', lab.inventoryPath, '-e', 'sample_hosts=all', '--json']);
  });

  it('the bench workload (bench/workload/site.kplay.yml)', async function () {
    this.timeout(300_000);
    await compare(['run', join(ROOT, 'bench', 'workload', 'site.kplay.yml'), '-i', lab.inventoryPath, '-e', `artifact_url=${artifact!.url}`, '-e', `artifact_checksum=${artifact!.checksum}`, '--json']);
  });
});
