/** ECDSA keys in the cert module: ECDSA and RSA CAs and leaves in every combination, cfssl parity, kubeconfig. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { cert } from '../../../../modules/cluster/cert/cert.ts';
import { kubeconfig } from '../../../../modules/cluster/kubeconfig/kubeconfig.ts';
import { cfsslGencert, cfsslInitca, openssl, x509Fields } from './pki-tools.ts';

const t = new LocalTransport('localhost');

describe('cert module with ECDSA keys', function () {
  let pki: string;
  const run = (args: Record<string, unknown>, o: { check?: boolean } = {}) => runModuleOn(t, cert, { pki_dir: pki, ...args }, o);
  const verify = (ca: string, name: string) => openssl('verify', '-CAfile', join(pki, `${ca}.pem`), join(pki, `${name}.pem`)).trim();

  before(async () => {
    pki = mkdtempSync(join(tmpdir(), 'kplay-pki-ec-'));
    for (const args of [
      { kind: 'ca', name: 'ec-ca', common_name: 'etcd-ca', key_algorithm: 'ecdsa' },
      { kind: 'ca', name: 'rsa-ca', common_name: 'kubernetes-ca' },
    ]) {
      const r = await run(args);
      expect(r.failed, r.msg).to.equal(false);
    }
  });

  it('makes an ECDSA CA like cfssl -initca with an ecdsa key', () => {
    const theirs = x509Fields(cfsslInitca(pki, 'cfssl-ec-ca', { CN: 'etcd-ca', key: { algo: 'ecdsa', size: 256 } }));
    expect({ ...x509Fields(join(pki, 'ec-ca.pem')), issuer: '' }).to.deep.equal({ ...theirs, issuer: '' });
    expect(readFileSync(join(pki, 'ec-ca-key.pem'), 'utf8')).to.match(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(statSync(join(pki, 'ec-ca-key.pem')).mode & 0o777).to.equal(0o600);
  });

  const combos: [string, string, string][] = [
    ['ec-ca', 'ecdsa', 'etcd-server'],
    ['ec-ca', 'rsa', 'etcd-rsa-client'],
    ['rsa-ca', 'ecdsa', 'apiserver-ec'],
  ];
  for (const [ca, algo, name] of combos) {
    it(`${algo} leaf signed by ${ca}: verifies, matches cfssl, idempotent`, async () => {
      const args = { kind: 'cert', ca, name, common_name: name, key_algorithm: algo, usages: ['server_auth', 'client_auth'], dns_names: ['localhost', 'etcd1'], ip_addresses: ['127.0.0.1', '::1'] };
      const r = await run(args);
      expect(r.failed, r.msg).to.equal(false);
      expect(verify(ca, name)).to.match(/: OK$/);
      expect((await run(args)).changed).to.equal(false);
      const theirs = x509Fields(cfsslGencert(pki, ca, `cfssl-${name}`, { CN: name, hosts: ['localhost', 'etcd1', '127.0.0.1', '::1'], key: { algo: algo as 'rsa' | 'ecdsa', size: algo === 'rsa' ? 2048 : 256 } }, 'peer'));
      expect(x509Fields(join(pki, `${name}.pem`))).to.deep.equal(theirs);
    });
  }

  it('switching key_algorithm re-issues with a new key of the new kind', async () => {
    const args = { kind: 'cert', ca: 'rsa-ca', name: 'switch', common_name: 'switch', usages: ['client_auth'] };
    await run(args);
    const r = await run({ ...args, key_algorithm: 'ecdsa' });
    expect(r.changes.map((c) => c.summary)).to.deep.equal([`re-issue ${join(pki, 'switch.pem')}: key does not fit`, `new private key ${join(pki, 'switch-key.pem')} (ecdsa 256)`]);
    expect(x509Fields(join(pki, 'switch.pem')).publicKey).to.equal('id-ecPublicKey 256');
    expect(verify('rsa-ca', 'switch')).to.match(/: OK$/);
  });

  it('an ECDSA service-account key pair', async () => {
    expect((await run({ kind: 'keypair', name: 'sa-ec', key_algorithm: 'ecdsa' })).changed).to.equal(true);
    expect(readFileSync(join(pki, 'sa-ec.pub'), 'utf8').trim()).to.equal(openssl('ec', '-in', join(pki, 'sa-ec.key'), '-pubout').trim());
    expect((await run({ kind: 'keypair', name: 'sa-ec', key_algorithm: 'ecdsa' })).changed).to.equal(false);
  });

  it('a kubeconfig with an ECDSA client key that kubectl reads', async () => {
    const path = join(pki, 'etcd.conf');
    const r = await runModuleOn(t, kubeconfig, { pki_dir: pki, ca: 'ec-ca', path, server: 'https://127.0.0.1:2379', client_cert: 'etcd-server' });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changes[0]!.diff!.after).to.match(/client-key-data: <private key redacted; public key [0-9a-f]{16}>/);
    const key = execFileSync('kubectl', ['config', 'view', '--kubeconfig', path, '--raw', '-o', 'jsonpath={.users[0].user.client-key-data}'], { encoding: 'utf8' });
    expect(Buffer.from(key, 'base64').toString()).to.equal(readFileSync(join(pki, 'etcd-server-key.pem'), 'utf8'));
  });
});
