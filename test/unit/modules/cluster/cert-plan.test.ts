/** cert's pure plan: args + state → changes. */
import { expect } from 'chai';
import { planCert, type CertState } from '../../../../modules/cluster/cert/plan.ts';
import { certFiles, desiredSpec } from '../../../../modules/cluster/cert/spec.ts';
import type { CertArgs } from '../../../../modules/cluster/cert/schema.ts';
import type { CertInfo } from '../../../../modules/cluster/pki/x509.ts';

const NOW = '2026-11-22T00:00:00.000Z';
const keyInfo = { algorithm: 'rsa' as const, bits: 2048, id: 'k1' };

function info(over: Partial<CertInfo> = {}): CertInfo {
  return {
    subject: { cn: 'kube-apiserver', o: [], ou: [] },
    issuer: { cn: 'kubernetes-ca', o: [], ou: [] },
    dns: ['kubernetes'],
    ips: ['10.96.0.1'],
    keyUsage: ['digital_signature', 'key_encipherment'],
    extKeyUsage: ['server_auth'],
    isCa: false,
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-06-01T00:00:00.000Z',
    serial: '01',
    key: keyInfo,
    fingerprint: 'AA',
    ...over,
  };
}

const leafArgs: CertArgs = { kind: 'cert', name: 'apiserver', common_name: 'kube-apiserver', usages: ['server_auth'], dns_names: ['kubernetes'], ip_addresses: ['10.96.0.1'] };

function state(a: CertArgs, over: Partial<CertState['controller']> = {}, extra: Partial<CertState> = {}): CertState {
  return {
    now: NOW,
    files: certFiles(a, '/pki'),
    spec: desiredSpec(a),
    key: { algorithm: 'rsa', bits: 2048 },
    renewBeforeMs: 30 * 86_400_000,
    controller: {
      cert: { present: true, info: info() },
      pub: { present: false },
      key: { present: true, info: keyInfo },
      certSha: 'c1',
      keySha: 'k1',
      ca: { cert: { present: true, info: info({ isCa: true, subject: { cn: 'kubernetes-ca', o: [], ou: [] } }) }, keyPresent: true },
      signedByCa: true,
      ...over,
    },
    ...extra,
  };
}

describe('cert plan', () => {
  it('plans nothing when the certificate matches', () => {
    expect(planCert(state(leafArgs), leafArgs, false).changes).to.deep.equal([]);
  });

  it('compares SANs as sets and IPv6 by value', () => {
    const a = { ...leafArgs, ip_addresses: ['0:0:0:0:0:0:0:1', '10.96.0.1', '10.96.0.1'] };
    const s = state(a, { cert: { present: true, info: info({ ips: ['::1', '10.96.0.1'] }) } });
    expect(planCert(s, a, false).changes).to.deep.equal([]);
  });

  const cases: [string, Partial<CertState['controller']>, RegExp][] = [
    ['missing', { cert: { present: false }, certSha: undefined }, /^issue \/pki\/apiserver.pem: missing/],
    ['SAN added', { cert: { present: true, info: info({ dns: [] }) } }, /DNS names \(none\) → kubernetes/],
    ['subject', { cert: { present: true, info: info({ subject: { cn: 'x', o: ['g'], ou: [] } }) } }, /subject O=g, CN=x → CN=kube-apiserver/],
    ['usages', { cert: { present: true, info: info({ extKeyUsage: ['client_auth'] }) } }, /usages/],
    ['issuer', { signedByCa: false }, /not signed by the current CA/],
    ['expiry', { cert: { present: true, info: info({ notAfter: '2026-12-01T00:00:00.000Z' }) } }, /expires 2026-12-01/],
    ['key mismatch', { key: { present: true, info: { ...keyInfo, id: 'other' } } }, /key does not match/],
    ['key missing', { key: { present: false } }, /key missing/],
  ];
  for (const [what, over, re] of cases) {
    it(`re-issues on ${what}`, () => {
      const p = planCert(state(leafArgs, over), leafArgs, false);
      expect(p.changes[0]!.summary).to.match(re);
      expect(p.changes[0]!.ops[0]!.kind).to.equal('controller');
      expect(p.changes[0]!.diff!.after).to.contain('dns: kubernetes');
    });
  }

  it('a new key is a sensitive change without diff', () => {
    const p = planCert(state(leafArgs, { key: { present: false } }), leafArgs, false);
    const k = p.changes.find((c) => /new private key/.test(c.summary))!;
    expect(k.sensitive).to.equal(true);
    expect(k.diff).to.equal(undefined);
  });

  it('fails when the CA is missing, in check mode too unless an earlier task creates it', () => {
    const s = state(leafArgs, { ca: { cert: { present: false }, keyPresent: false }, cert: { present: false } });
    expect(planCert(s, leafArgs, false).failed).to.match(/CA ca not found/);
    // check mode fails as the real run would when no earlier task creates the CA
    expect(planCert(s, leafArgs, true).failed).to.match(/CA ca not found/);
    const p = planCert({ ...s, caAfter: 'make CA' }, leafArgs, true);
    expect(p.changes[0]!.after).to.equal('make CA');
  });

  it('never regenerates a CA: warns, or fails with on_ca_mismatch: fail', () => {
    const a: CertArgs = { kind: 'ca', common_name: 'new-ca' };
    const s = state(a, { cert: { present: true, info: info({ isCa: true, subject: { cn: 'old-ca', o: [], ou: [] }, keyUsage: ['digital_signature', 'cert_sign', 'crl_sign'], extKeyUsage: [], dns: [], ips: [] }) } });
    const p = planCert(s, a, false);
    expect(p.changes).to.deep.equal([]);
    expect(String((p.result as { warnings: string[] }).warnings)).to.match(/CN=old-ca → CN=new-ca/);
    expect(planCert(s, { ...a, on_ca_mismatch: 'fail' }, false).failed).to.match(/never regenerated/);
  });

  it('installs on the host only what differs', () => {
    const a = { ...leafArgs, copy_to: '/etc/kubernetes/pki' };
    const file = (sha: string, mode = '0644') => ({ stat: { exists: true as const, type: 'file' as const, mode, owner: 'root', group: 'root', uid: 0, gid: 0, size: 1, inode: '1:1' }, sha });
    const dir = { exists: true as const, type: 'directory' as const, mode: '0755', owner: 'root', group: 'root', uid: 0, gid: 0, size: 1, inode: '1:2' };
    const same = planCert(state(a, {}, { host: { dir, cert: file('c1'), key: file('k1', '0600') } }), a, false);
    expect(same.changes).to.deep.equal([]);
    const p = planCert(state(a, {}, { host: { dir, cert: file('c1', '0600'), key: file('old', '0600') } }), a, false);
    expect(p.changes.map((c) => c.summary)).to.deep.equal([
      'install /pki/apiserver.pem → /etc/kubernetes/pki/apiserver.pem',
      'install key /pki/apiserver-key.pem → /etc/kubernetes/pki/apiserver-key.pem (0600)',
    ]);
    expect(p.changes[0]!.diff).to.deep.equal({ before: 'mode 0600', after: 'mode 0644' });
    expect(p.changes[1]!.sensitive).to.equal(true);
    expect(p.changes[1]!.ops[0]).to.include({ kind: 'putFile', mode: '0600' });
  });
});
