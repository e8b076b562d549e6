/** kubeconfig: rendering, redaction and the pure plan. */
import { expect } from 'chai';
import { planKubeconfig, type KubeconfigState } from '../../../../modules/cluster/kubeconfig/plan.ts';
import { redactKubeconfig } from '../../../../modules/cluster/kubeconfig/redact.ts';
import { renderKubeconfig, yamlScalar } from '../../../../modules/cluster/kubeconfig/render.ts';
import type { KubeconfigArgs } from '../../../../modules/cluster/kubeconfig/schema.ts';

const dirExists = true;
const data = { cluster: 'kubernetes', server: 'https://127.0.0.1:6443', caPem: 'CA', user: 'system:node:n1', context: 'default', token: 'sekret-token-123' };
const args: KubeconfigArgs = { path: '/etc/kubernetes/kubelet.conf', server: data.server, token: data.token, user: data.user };

describe('kubeconfig', () => {
  it('quotes only scalars YAML would misread', () => {
    expect(yamlScalar('system:node:n1')).to.equal('system:node:n1');
    expect(yamlScalar('https://10.0.0.1:6443')).to.equal('https://10.0.0.1:6443');
    expect(yamlScalar('true')).to.equal('"true"');
    expect(yamlScalar('10.0.0.1')).to.equal('"10.0.0.1"');
    expect(yamlScalar('a b')).to.equal('"a b"');
    expect(yamlScalar('x: y')).to.equal('"x: y"');
  });

  it('redacts keys, tokens and passwords in any layout', () => {
    const text = 'users:\n- name: a\n  user:\n    client-key-data: QUJD\n    token: "sekret-token-123"\n    password: hunter2\n';
    const r = redactKubeconfig(text);
    expect(r).not.to.contain('QUJD');
    expect(r).not.to.contain('sekret-token-123');
    expect(r).not.to.contain('hunter2');
    expect(r).to.contain('client-key-data: <private key redacted>');
    const oidc = 'users:\n- name: o\n  user:\n    auth-provider:\n      config:\n        client-secret: s3cr3t\n        id-token: eyJhbGc\n        refresh-token: r3fr3sh\n        idp-issuer-url: https://idp\n';
    const o = redactKubeconfig(oidc);
    for (const secret of ['s3cr3t', 'eyJhbGc', 'r3fr3sh']) expect(o).not.to.contain(secret);
    expect(o).to.contain('idp-issuer-url: https://idp');
    expect(o).to.contain('client-secret: <client-secret redacted>');
    const block = redactKubeconfig('users:\n- name: b\n  user:\n    token: |\n      line-one-secret\n      line-two-secret\n    username: bob\n');
    expect(block).to.equal('users:\n- name: b\n  user:\n    token: <token redacted>\n    username: bob\n');
  });

  it('plans a put with a redacted diff, then nothing', () => {
    const s: KubeconfigState = { data, missing: [], host: { file: { exists: false }, dirExists } };
    const p = planKubeconfig(s, args, false);
    expect(p.changes).to.have.length(1);
    expect(p.changes[0]!.ops[0]).to.include({ kind: 'put', mode: '0600' });
    expect(JSON.stringify(p.changes[0]!.diff)).not.to.contain('sekret-token-123');
    const content = renderKubeconfig(data);
    const file = { exists: true as const, type: 'file' as const, mode: '0600', owner: 'root', group: 'root', uid: 0, gid: 0, size: 1, inode: '1:2' };
    expect(planKubeconfig({ ...s, host: { file, content, dirExists } }, args, false).changes).to.deep.equal([]);
  });

  it('fails on missing controller files, in check mode too unless earlier tasks create them', () => {
    const s: KubeconfigState = { missing: ['/pki/admin.pem'], missingAfter: 'issue admin', host: { file: { exists: false }, dirExists } };
    expect(planKubeconfig(s, args, false).failed).to.match(/admin\.pem/);
    expect(planKubeconfig(s, args, true).changes[0]!.after).to.equal('issue admin');
    // no earlier task creates them: check mode fails as the real run will
    expect(planKubeconfig({ ...s, missingAfter: undefined }, args, true).failed).to.match(/admin\.pem/);
  });
});
