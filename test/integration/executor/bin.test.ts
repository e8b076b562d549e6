/** The installed entry point, as a user runs it: bin/kplay.js (the esbuild bundle when fresh, else tsx). */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');
const bin = join(root, 'bin/kplay.js');

describe('bin/kplay.js', function () {
  this.timeout(120_000);
  before(() => {
    // what `npm ci` does through "prepare"
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')]);
  });

  for (const mode of ['bundle', 'sources']) {
    it(`runs the sample playbook in check mode (${mode})`, () => {
      const env = { ...process.env, ...(mode === 'sources' ? { KPLAY_FROM_SOURCE: '1' } : {}) };
      const out = mkdtempSync(join(tmpdir(), 'kplay-bin-'));
      const r = spawnSync(process.execPath, [bin, 'run', join(root, 'playbooks/sample.yml'), '--check', '--diff', '-e', `sample_root=${out}/x`], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/CHECK MODE/);
      expect(r.stdout).to.match(/\+\[service\.etcd\]/);
    });
  }

  it('the bundle loads node-forge on first use: a CA and a certificate that openssl verifies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-bin-pki-'));
    const play = join(dir, 'pki.yml');
    writeFileSync(
      play,
      `- hosts: localhost
  gather_facts: false
  tasks:
    - cert: { kind: ca, name: ca, pki_dir: ${dir}/pki, common_name: test-ca }
    - cert: { kind: cert, name: srv, pki_dir: ${dir}/pki, common_name: srv, dns_names: [srv.local], usages: [server_auth] }
`,
    );
    const r = spawnSync(process.execPath, [bin, 'run', play], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/changed=2/);
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'pki/ca.pem'), join(dir, 'pki/srv.pem')]);
  });

  it('exits 4 with a located error for a bad playbook', () => {
    const r = spawnSync(process.execPath, [bin, 'run', join(root, 'test/fixtures/load/bad/unknown-module.yml')], { encoding: 'utf8' });
    expect(r.status).to.equal(4);
    expect(r.stderr).to.match(/unknown-module\.yml:\d+:\d+: unknown module/);
  });
});
