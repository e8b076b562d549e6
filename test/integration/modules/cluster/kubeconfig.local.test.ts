/** kubeconfig on the controller (LocalTransport, temp dirs): kubectl reads it, embedded certs verify, no secret shown. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { cert } from '../../../../modules/cluster/cert/cert.ts';
import { kubeconfig } from '../../../../modules/cluster/kubeconfig/kubeconfig.ts';
import { openssl } from './pki-tools.ts';

const t = new LocalTransport('localhost');

function kubectlView(path: string, ...extra: string[]): string {
  return execFileSync('kubectl', ['config', 'view', '--kubeconfig', path, ...extra], { encoding: 'utf8' });
}

describe('kubeconfig module on the controller', function () {
  let pki: string;
  let host: string;
  before(async () => {
    pki = mkdtempSync(join(tmpdir(), 'kplay-pki-'));
    host = mkdtempSync(join(tmpdir(), 'kplay-host-'));
    for (const args of [
      { kind: 'ca', common_name: 'kubernetes-ca' },
      { kind: 'cert', name: 'admin', common_name: 'kubernetes-admin', organization: ['system:masters'], usages: ['client_auth'] },
    ]) {
      const r = await runModuleOn(t, cert, { pki_dir: pki, ...args });
      expect(r.failed, r.msg).to.equal(false);
    }
  });

  const args = () => ({ pki_dir: pki, path: join(host, 'etc/kubernetes/admin.conf'), server: 'https://127.0.0.1:6443', client_cert: 'admin', user: 'kubernetes-admin', context: 'kubernetes-admin@kubernetes' });

  it('check mode predicts and writes nothing', async () => {
    const r = await runModuleOn(t, kubeconfig, args(), { check: true });
    expect(r.changed).to.equal(true);
    expect(() => statSync(args().path)).to.throw();
  });

  it('writes a 0600 kubeconfig that kubectl reads, with certificates that verify', async () => {
    const r = await runModuleOn(t, kubeconfig, args());
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changed).to.equal(true);
    const path = args().path;
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    const view = JSON.parse(kubectlView(path, '-o', 'json', '--raw')) as {
      'current-context': string;
      clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }[];
    };
    expect(view['current-context']).to.equal('kubernetes-admin@kubernetes');
    expect(view.clusters[0]!.cluster.server).to.equal('https://127.0.0.1:6443');
    const caFile = join(host, 'ca.pem');
    const certFile = join(host, 'admin.pem');
    writeFileSync(caFile, Buffer.from(view.clusters[0]!.cluster['certificate-authority-data'], 'base64'));
    writeFileSync(certFile, Buffer.from(view.users[0]!.user['client-certificate-data'], 'base64'));
    expect(openssl('verify', '-CAfile', caFile, certFile).trim()).to.match(/: OK$/);
    const keyPem = Buffer.from(view.users[0]!.user['client-key-data'], 'base64').toString();
    expect(keyPem).to.equal(readFileSync(join(pki, 'admin-key.pem'), 'utf8'));
    // the diff shows subjects and fingerprints, never the key
    const shown = JSON.stringify(r);
    expect(shown).not.to.contain(view.users[0]!.user['client-key-data'].slice(0, 40));
    expect(shown).not.to.contain(keyPem.split('\n')[1]);
    expect(r.changes.map((c) => c.summary)[0]).to.match(/^create directory /);
    const diff = r.changes.find((c) => c.diff)!.diff!;
    expect(diff.after).to.match(/client-certificate-data: <certificate O=system:masters, CN=kubernetes-admin/);
    expect(diff.after).to.match(/client-key-data: <private key redacted/);
  });

  it('changes nothing the second time', async () => {
    const r = await runModuleOn(t, kubeconfig, args());
    expect(r.changed, JSON.stringify(r.changes)).to.equal(false);
  });

  it('diffs a server change without secrets, and fixes a mode', async () => {
    const r = await runModuleOn(t, kubeconfig, { ...args(), server: 'https://10.0.0.1:6443' }, { check: true });
    expect(r.changes[0]!.diff!.before).to.contain('server: https://127.0.0.1:6443');
    expect(r.changes[0]!.diff!.after).to.contain('server: https://10.0.0.1:6443');
    chmodSync(args().path, 0o644);
    const m = await runModuleOn(t, kubeconfig, args());
    expect(m.changes.map((c) => c.summary)).to.deep.equal([`mode 0644 → 0600 ${args().path}`]);
    expect(statSync(args().path).mode & 0o777).to.equal(0o600);
  });

  it('takes a token instead of a certificate and never shows it', async () => {
    const token = 'abcdef.0123456789abcdef';
    const path = join(host, 'token.conf');
    const r = await runModuleOn(t, kubeconfig, { pki_dir: pki, path, server: 'https://127.0.0.1:6443', token, user: 'bootstrap' });
    expect(r.failed, r.msg).to.equal(false);
    expect(JSON.stringify(r)).not.to.contain(token);
    expect(kubectlView(path, '--raw')).to.contain(token);
  });

  it('fails clearly when a certificate is missing', async () => {
    const r = await runModuleOn(t, kubeconfig, { ...args(), client_cert: 'nobody' });
    expect(r.failed).to.equal(true);
    expect(r.msg).to.match(/nobody\.pem/);
  });
});
