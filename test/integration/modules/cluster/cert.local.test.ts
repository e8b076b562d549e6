/** cert on the controller (LocalTransport, temp dirs): openssl verify, cfssl parity, idempotency, copy_to. */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { cert } from '../../../../modules/cluster/cert/cert.ts';
import { cfsslGencert, cfsslInitca, openssl, x509Fields } from './pki-tools.ts';

const t = new LocalTransport('localhost');

describe('cert module on the controller', function () {
  let pki: string;
  const run = (args: Record<string, unknown>, o: { check?: boolean } = {}) => runModuleOn(t, cert, { pki_dir: pki, ...args }, o);
  const apiserver = {
    kind: 'cert',
    name: 'apiserver',
    common_name: 'kube-apiserver',
    usages: ['server_auth'],
    dns_names: ['kubernetes', 'kubernetes.default', 'localhost'],
    ip_addresses: ['127.0.0.1', '10.96.0.1', '::1'],
  };
  const admin = { kind: 'cert', name: 'admin', common_name: 'kubernetes-admin', organization: ['system:masters'], usages: ['client_auth'] };

  before(async () => {
    pki = mkdtempSync(join(tmpdir(), 'kplay-pki-'));
    const r = await run({ kind: 'ca', common_name: 'kubernetes-ca', organization: ['kplay'] });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changed).to.equal(true);
  });

  it('creates a CA with 0600 key and CA:TRUE', () => {
    expect(statSync(join(pki, 'ca-key.pem')).mode & 0o777).to.equal(0o600);
    const f = x509Fields(join(pki, 'ca.pem'));
    expect(f.subject).to.equal('CN=kubernetes-ca,O=kplay');
    expect(f.basicConstraints).to.match(/CA:TRUE/);
    expect(f.keyUsage).to.match(/Certificate Sign, CRL Sign/);
  });

  it('makes a CA like cfssl gencert -initca', () => {
    const theirs = x509Fields(cfsslInitca(pki, 'cfssl-ca', { CN: 'kubernetes-ca', O: ['kplay'] }));
    expect({ ...x509Fields(join(pki, 'ca.pem')), issuer: '' }).to.deep.equal({ ...theirs, issuer: '' });
  });

  it('never regenerates an existing CA, even with other arguments (warning)', async () => {
    const before = readFileSync(join(pki, 'ca.pem'), 'utf8');
    const r = await run({ kind: 'ca', common_name: 'other-ca' });
    expect(r.changed).to.equal(false);
    expect(String(r.result.warnings)).to.match(/never regenerated/);
    expect(readFileSync(join(pki, 'ca.pem'), 'utf8')).to.equal(before);
    const f = await run({ kind: 'ca', common_name: 'other-ca', on_ca_mismatch: 'fail' });
    expect(f.failed).to.equal(true);
  });

  it('check mode predicts the issue and writes nothing', async () => {
    const r = await run(apiserver, { check: true });
    expect(r.changed).to.equal(true);
    expect(existsSync(join(pki, 'apiserver.pem'))).to.equal(false);
    expect(r.changes[0]!.diff!.after).to.match(/dns: kubernetes, kubernetes.default, localhost/);
  });

  it('issues certificates that openssl verifies, with key 0600, and nothing the second time', async () => {
    for (const args of [apiserver, admin]) {
      const r = await run(args);
      expect(r.failed, r.msg).to.equal(false);
      expect(r.changed).to.equal(true);
      const name = args.name;
      expect(openssl('verify', '-CAfile', join(pki, 'ca.pem'), join(pki, `${name}.pem`)).trim()).to.match(/: OK$/);
      expect(statSync(join(pki, `${name}-key.pem`)).mode & 0o777).to.equal(0o600);
      const again = await run(args);
      expect(again.changed, JSON.stringify(again.changes)).to.equal(false);
    }
  });

  it('matches what cfssl gencert produces for the same CSR', () => {
    const pairs: [string, Parameters<typeof cfsslGencert>[3], 'server' | 'client'][] = [
      ['apiserver', { CN: 'kube-apiserver', hosts: [...apiserver.dns_names, ...apiserver.ip_addresses] }, 'server'],
      ['admin', { CN: 'kubernetes-admin', O: ['system:masters'] }, 'client'],
    ];
    for (const [name, csr, profile] of pairs) {
      const theirs = x509Fields(cfsslGencert(pki, 'ca', `cfssl-${name}`, csr, profile));
      const ours = x509Fields(join(pki, `${name}.pem`));
      expect(ours).to.deep.equal(theirs);
    }
  });

  it('no secret in any reported change or result', async () => {
    const key = readFileSync(join(pki, 'admin-key.pem'), 'utf8').split('\n')[1]!;
    const r = await run({ ...admin, organization: ['system:masters', 'extra'] }, { check: true });
    expect(JSON.stringify(r)).not.to.contain(key);
  });

  it('changing one SAN re-issues only that certificate and keeps its key', async () => {
    const apiKey = readFileSync(join(pki, 'apiserver-key.pem'), 'utf8');
    const adminPem = readFileSync(join(pki, 'admin.pem'), 'utf8');
    const changed = { ...apiserver, ip_addresses: [...apiserver.ip_addresses, '10.0.0.10'] };
    const r = await run(changed);
    expect(r.changed).to.equal(true);
    expect(r.changes[0]!.summary).to.match(/re-issue .*IP addresses/);
    expect(readFileSync(join(pki, 'apiserver-key.pem'), 'utf8')).to.equal(apiKey);
    expect(x509Fields(join(pki, 'apiserver.pem')).sans).to.include('IP Address:10.0.0.10');
    expect((await run(admin)).changed).to.equal(false);
    expect(readFileSync(join(pki, 'admin.pem'), 'utf8')).to.equal(adminPem);
    expect((await run(changed)).changed).to.equal(false);
  });

  it('re-issues a certificate that expires within renew_before', async () => {
    const short = { ...admin, name: 'short', validity: '1d', renew_before: '1h' };
    expect((await run(short)).changed).to.equal(true);
    expect((await run(short)).changed).to.equal(false);
    const r = await run({ ...short, renew_before: '2d' });
    expect(r.changes[0]!.summary).to.match(/expires/);
  });

  it('re-issues certificates of another CA', async () => {
    await run({ kind: 'ca', name: 'etcd-ca', common_name: 'etcd-ca' });
    const r = await run({ ...admin, ca: 'etcd-ca' });
    expect(r.changes[0]!.summary).to.match(/not signed by the current CA/);
    expect(openssl('verify', '-CAfile', join(pki, 'etcd-ca.pem'), join(pki, 'admin.pem')).trim()).to.match(/: OK$/);
  });

  it('fails clearly when the CA does not exist', async () => {
    const r = await run({ ...admin, ca: 'nope' });
    expect(r.failed).to.equal(true);
    expect(r.msg).to.match(/CA nope not found/);
  });

  it('creates the CA once when several hosts ask concurrently', async () => {
    const rs = await Promise.all([1, 2, 3, 4].map(() => run({ kind: 'ca', name: 'fp-ca', common_name: 'front-proxy-ca' })));
    expect(rs.every((r) => !r.failed)).to.equal(true);
    const fp = readFileSync(join(pki, 'fp-ca.pem'), 'utf8');
    const leaf = await run({ kind: 'cert', name: 'fp-client', ca: 'fp-ca', common_name: 'front-proxy-client', usages: ['client_auth'] });
    expect(leaf.failed, leaf.msg).to.equal(false);
    expect(readFileSync(join(pki, 'fp-ca.pem'), 'utf8')).to.equal(fp);
    expect(openssl('verify', '-CAfile', join(pki, 'fp-ca.pem'), join(pki, 'fp-client.pem')).trim()).to.match(/: OK$/);
  });

  it('creates a service-account key pair once (sa.key 0600 + sa.pub)', async () => {
    const r = await run({ kind: 'keypair' });
    expect(r.changed).to.equal(true);
    expect(r.changes.every((c) => c.sensitive)).to.equal(true);
    expect(statSync(join(pki, 'sa.key')).mode & 0o777).to.equal(0o600);
    const pubFromKey = openssl('rsa', '-in', join(pki, 'sa.key'), '-pubout');
    expect(readFileSync(join(pki, 'sa.pub'), 'utf8').trim()).to.equal(pubFromKey.trim());
    expect((await run({ kind: 'keypair' })).changed).to.equal(false);
  });

  it('copy_to of a CA installs its certificate only; of a key pair both halves', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'kplay-host-'));
    const ca = await run({ kind: 'ca', common_name: 'kubernetes-ca', organization: ['kplay'], copy_to: dest, cert_file: 'ca.crt' });
    expect(ca.failed, ca.msg).to.equal(false);
    const sa = await run({ kind: 'keypair', copy_to: dest });
    expect(sa.failed, sa.msg).to.equal(false);
    expect(readdirSync(dest).sort()).to.deep.equal(['ca.crt', 'sa.key', 'sa.pub']);
    expect(statSync(join(dest, 'sa.key')).mode & 0o777).to.equal(0o600);
    expect((await run({ kind: 'keypair', copy_to: dest })).changed).to.equal(false);
  });

  it('installs certificate and key on the host with copy_to (key 0600), idempotently', async () => {
    const dest = join(mkdtempSync(join(tmpdir(), 'kplay-host-')), 'etc', 'pki');
    const args = { ...apiserver, ip_addresses: [...apiserver.ip_addresses, '10.0.0.10'], copy_to: dest, cert_file: 'apiserver.crt', key_file: 'apiserver.key' };
    const check = await run(args, { check: true });
    expect(check.changes.map((c) => c.summary).join('\n')).to.match(/create directory[\s\S]*install .*apiserver.crt[\s\S]*install key/);
    expect(existsSync(dest)).to.equal(false);
    const r = await run(args);
    expect(r.failed, r.msg).to.equal(false);
    expect(statSync(join(dest, 'apiserver.key')).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dest, 'apiserver.crt')).mode & 0o777).to.equal(0o644);
    expect(readFileSync(join(dest, 'apiserver.crt'), 'utf8')).to.equal(readFileSync(join(pki, 'apiserver.pem'), 'utf8'));
    expect((await run(args)).changed).to.equal(false);
    const keyChange = r.changes.find((c) => /install key/.test(c.summary))!;
    expect(keyChange.sensitive).to.equal(true);
    expect(keyChange.diff).to.equal(undefined);
  });
});
