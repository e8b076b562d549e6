import { expect } from 'chai';
import { keyFromEncryptionConfig, validKey } from '../../../../modules/cluster/secret_key/secret_key.ts';
import { planSecretKey, type SecretKeyState } from '../../../../modules/cluster/secret_key/plan.ts';

const K = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');
const state = (s: Partial<SecretKeyState>): SecretKeyState => ({ path: '/pki/secrets-encryption.key', size: 32, controller: { exists: false, valid: false }, ...s });
const cfg = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - secretbox:
          keys:
            - name: key2
              secret: ${K2}
            - name: key1
              secret: ${K}
      - identity: {}
`;

describe('secret_key', () => {
  it('reads the named key of any provider from an EncryptionConfiguration', () => {
    expect(keyFromEncryptionConfig(cfg, 'key1')).to.equal(K);
    expect(keyFromEncryptionConfig(cfg, 'key2')).to.equal(K2);
    expect(keyFromEncryptionConfig(cfg, 'key9')).to.equal(undefined);
    expect(keyFromEncryptionConfig('', 'key1')).to.equal(undefined);
  });

  it('accepts only the base64 of the right number of bytes', () => {
    expect(validKey(`${K}\n`, 32)).to.equal(K);
    expect(validKey(K, 16)).to.equal(undefined);
    expect(validKey('not base64!', 32)).to.equal(undefined);
  });

  it('plans: create, keep, recover, fail on another key, never a key in a summary or result', () => {
    const create = planSecretKey(state({}), { path: 'x' });
    expect(create.changes).to.have.length(1);
    expect(create.changes[0]!.sensitive).to.equal(true);
    expect(planSecretKey(state({}), { path: 'x', create: false }).changes).to.have.length(0);

    const kept = planSecretKey(state({ controller: { exists: true, valid: true, sha: 'a', mode: '0600' }, host: { path: '/h', exists: true, key: K, sha: 'a' } }), { path: 'x' });
    expect(kept.changes).to.have.length(0);
    expect(kept.failed).to.equal(undefined);

    const clash = planSecretKey(state({ controller: { exists: true, valid: true, sha: 'a', mode: '0600' }, host: { path: '/h', exists: true, key: K2, sha: 'b' } }), { path: 'x' });
    expect(clash.failed).to.match(/different keys on different hosts/);

    const recover = planSecretKey(state({ host: { path: '/h', exists: true, key: K, sha: 'a' } }), { path: 'x', create: false });
    expect(recover.changes).to.have.length(1);
    expect(recover.changes[0]!.summary).to.match(/recover the key from the host's \/h/);
    expect(JSON.stringify(recover.changes.map((c) => ({ ...c, ops: undefined }))) + JSON.stringify(recover.result)).not.to.contain(K);

    const bad = planSecretKey(state({ controller: { exists: true, valid: false } }), { path: 'x' });
    expect(bad.failed).to.match(/not replacing a key/);

    const mode = planSecretKey(state({ controller: { exists: true, valid: true, sha: 'a', mode: '0644' } }), { path: 'x' });
    expect(mode.changes[0]!.summary).to.match(/0644 → 0600/);
  });
});
