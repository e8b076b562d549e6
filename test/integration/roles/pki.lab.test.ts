/**
 * The pki role's encryption-key recovery over SSH: two lab hosts as control planes, reached as the
 * unprivileged sudo user `kplay` (the recovery reads the root-only EncryptionConfiguration with
 * become). The controller's key is created once; when the controller loses it, it is read back
 * from a control plane; a control plane holding another key fails the run and changes nothing.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { kplay, recap, type KplayRun } from '../../support/kplay.ts';
import { startRoleLab, type RoleLab } from '../../support/role-lab.ts';

const site = join(import.meta.dirname, '../../fixtures/roles/pki/site.yml');

const encryptionConfig = (key: string) =>
  `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys:
            - name: key1
              secret: ${key}
      - identity: {}
`;

describe('role pki: the encryption key recovered from a control plane over SSH (2 lab hosts)', function () {
  let rl: RoleLab | undefined;
  let dir: string;
  let args: string[];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    rl = await startRoleLab(2, { name: 'pki' });
    dir = rl.dir;
    const lines = rl.lines(rl.lab.users.sudoNoPass);
    writeFileSync(join(dir, 'hosts.ini'), `[kube_control_plane]\n${lines.join('\n')}\n\n[k8s_cluster:children]\nkube_control_plane\n`);
    args = ['run', site, '-i', join(dir, 'hosts.ini')];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await rl?.stop();
  });

  const put = async (i: number, content: string) => {
    const r = await rl!.hosts[i]!.exec(`mkdir -p /etc/kubernetes/pki && umask 077 && cat > /etc/kubernetes/pki/encryption-config.yaml`, { stdin: content });
    expect(r.rc, r.stderr).to.equal(0);
  };

  it('creates the key once, recovers it from a control plane, fails on another key; never prints it', async function () {
    this.timeout(300_000);
    const keyFile = join(dir, 'pki/secrets-encryption.key');
    const runs: KplayRun[] = [];
    const run = async (...extra: string[]) => {
      const r = await kplay(...args, ...extra);
      runs.push(r);
      return r;
    };

    const first = await run('--json');
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    const key = readFileSync(keyFile, 'utf8');
    expect(Buffer.from(key.trim(), 'base64').length).to.equal(32);
    expect((statSync(keyFile).mode & 0o777).toString(8)).to.equal('600');

    // the control-plane role's file on h2 (root 0600, readable only with become); the controller loses its copy
    await put(1, encryptionConfig(key.trim()));
    rmSync(keyFile);
    const check = await run('--check', '--diff');
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.match(/recover the key from the host's \/etc\/kubernetes\/pki\/encryption-config\.yaml/);
    expect(existsSync(keyFile)).to.equal(false);
    const recovered = await run('--diff', '--json');
    expect(recovered.code, recovered.stdout + recovered.stderr).to.equal(0);
    expect(recap(recovered).localhost!.changed).to.equal(1);
    expect(readFileSync(keyFile, 'utf8')).to.equal(key);
    const again = await run('--json');
    expect(recap(again).localhost!.changed).to.equal(0);

    // h1 holds another key: the run fails, the controller's key stays
    const other = Buffer.alloc(32, 9).toString('base64');
    await put(0, encryptionConfig(other));
    const clash = await run();
    expect(clash.code).to.equal(2);
    expect(clash.stdout).to.contain('different keys on different hosts');
    expect(readFileSync(keyFile, 'utf8')).to.equal(key);

    for (const r of runs) expect(r.stdout + r.stderr).not.to.contain(key.trim()).and.not.to.contain(other);
  });
});
