/**
 * The pki role on the controller (no lab): every "host" is this machine through a local
 * connection, so the facts play and the encryption-key recovery run for real without SSH.
 * - one control plane, no etcd group: CAs, SA key pair, every Kubernetes leaf, the encryption key
 *   and admin.conf; check mode writes nothing; a second run changes nothing;
 * - 3 control planes behind a VIP + 2 nodes: every certificate verifies, the apiserver SANs are
 *   exactly the expected set, kubelet subjects and SANs; no key in any output; adding a control
 *   plane re-issues only the apiserver certificate (same key); the encryption key is kept, read
 *   back from a control plane when the controller lost it, and a control plane holding another key
 *   fails the run.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay, recap, type KplayRun } from '../../support/kplay.ts';

const fixture = join(import.meta.dirname, '../../fixtures/roles/pki');
const site = join(fixture, 'site.yml');

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');
const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A test directory with the fixture inventory, @DIR@ replaced by the directory. */
function setup(inventory: string): { dir: string; inv: string; pki: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-pki-role-'));
  const inv = join(dir, 'hosts.ini');
  writeFileSync(inv, readFileSync(join(fixture, inventory), 'utf8').replaceAll('@DIR@', dir));
  return { dir, inv, pki: join(dir, 'pki') };
}

function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => `${join(e.parentPath, e.name)} ${e.isDirectory() ? 'd' : sha(join(e.parentPath, e.name))}`).sort();
}

/** SANs as openssl prints them: { dns: [...], ip: [...] }, sorted. */
function sans(cert: string): { dns: string[]; ip: string[] } {
  const text = openssl('x509', '-noout', '-ext', 'subjectAltName', '-in', cert);
  const items = text.split('\n').slice(1).join(',').split(',').map((s) => s.trim()).filter(Boolean);
  const norm = (ip: string) => ip.toLowerCase().replace(/(^|:)0+(?=[0-9a-f])/g, '$1').replace(/(:0)+:/, '::');
  return {
    dns: items.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)).sort(),
    ip: items.filter((s) => s.startsWith('IP Address:')).map((s) => norm(s.slice(11))).sort(),
  };
}

/** Every secret under dir (key bodies, the encryption key, embedded kubeconfig keys) must not be in out. */
function expectNoSecrets(dir: string, runs: KplayRun[]): void {
  const secrets: string[] = [];
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) continue;
    const text = readFileSync(p, 'utf8');
    if (/-key\.pem$|\.key$/.test(f)) {
      const lines = text.split('\n').filter((l) => l && !l.startsWith('-----'));
      secrets.push(...(lines.length > 1 ? [lines[1]!, lines[lines.length - 2]!] : [text.trim()]));
    }
    const m = /client-key-data: (\S+)/.exec(text);
    if (m) secrets.push(m[1]!.slice(0, 40), m[1]!.slice(-40));
  }
  expect(secrets.length).to.be.greaterThan(3);
  for (const r of runs) for (const s of secrets) expect(r.stdout + r.stderr, 'a secret in the output').not.to.contain(s);
}

const encryptionConfig = (key: string) =>
  [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - secretbox:',
    '          keys:',
    `            - name: key1`,
    `              secret: ${key}`,
    '      - identity: {}',
    '',
  ].join('\n');

describe('role pki on the controller', function () {
  this.timeout(300_000);

  it('one control plane: check writes nothing; the run makes the whole Kubernetes PKI; the second run changes nothing', async () => {
    const { dir, inv, pki } = setup('hosts.ini');
    const args = ['run', site, '-i', inv, '--json'];
    const before = listing(dir);

    const check = await kplay(...args, '--check', '--diff');
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(listing(dir)).to.deep.equal(before);

    const first = await kplay(...args);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(recap(first).localhost!.changed).to.equal(recap(check).localhost!.changed);
    const names = ['ca', 'front-proxy-ca', 'apiserver', 'apiserver-kubelet-client', 'front-proxy-client', 'controller-manager', 'scheduler', 'kube-proxy', 'admin', 'super-admin', 'kubelet-cp1', 'kubelet-server-cp1'];
    expect(readdirSync(pki).sort()).to.deep.equal([...names.flatMap((n) => [`${n}-key.pem`, `${n}.pem`]), 'sa.key', 'sa.pub', 'secrets-encryption.key'].sort());
    expect(existsSync(join(pki, 'etcd')), 'no etcd group, no etcd PKI').to.equal(false);
    expect(existsSync(join(dir, 'credentials/admin.conf'))).to.equal(true);

    const verify = (ca: string, cert: string) => openssl('verify', '-CAfile', join(pki, `${ca}.pem`), join(pki, `${cert}.pem`));
    for (const n of names.filter((x) => !x.endsWith('ca') && x !== 'front-proxy-client')) expect(verify('ca', n)).to.contain(': OK');
    expect(verify('front-proxy-ca', 'front-proxy-client')).to.contain(': OK');
    expect(openssl('x509', '-noout', '-subject', '-in', join(pki, 'admin.pem'))).to.match(/O = kubeadm:cluster-admins, CN = kubernetes-admin/);
    expect(openssl('x509', '-noout', '-subject', '-in', join(pki, 'scheduler.pem'))).to.match(/CN = system:kube-scheduler/);
    expect(openssl('x509', '-noout', '-subject', '-in', join(pki, 'super-admin.pem'))).to.match(/O = system:masters, CN = kubernetes-super-admin/);

    const second = await kplay(...args);
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(recap(second).localhost!.changed).to.equal(0);
    expectNoSecrets(dir, [check, first, second]);
  });

  it('HA: SANs, kubelet certificates, admin.conf, no secret in output, a new control plane, the encryption key kept and recovered', async () => {
    const { dir, inv, pki } = setup('ha.ini');
    const base = ['run', site, '-i', inv];
    const runs: KplayRun[] = [];
    const run = async (...extra: string[]) => {
      const r = await kplay(...base, ...extra);
      runs.push(r);
      return r;
    };
    const before = listing(dir);
    const check = await run('--check', '--diff');
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(listing(dir), 'check mode writes nothing').to.deep.equal(before);

    const first = await run('--diff', '--json');
    expect(first.code, first.stdout + first.stderr).to.equal(0);

    // every certificate verifies against its CA; keys and kubeconfig 0600
    const pems = readdirSync(pki).filter((f) => f.endsWith('.pem') && !f.endsWith('-key.pem'));
    for (const f of pems) {
      const ca = f.startsWith('front-proxy') ? 'front-proxy-ca' : 'ca';
      expect(openssl('verify', '-CAfile', join(pki, `${ca}.pem`), join(pki, f)), f).to.contain(': OK');
    }
    for (const f of readdirSync(pki).filter((x) => x.endsWith('-key.pem') || x.endsWith('.key'))) expect(mode(join(pki, f)), f).to.equal('0600');
    expect(mode(join(dir, 'credentials/admin.conf'))).to.equal('0600');

    // the apiserver SANs, exactly
    expect(openssl('x509', '-noout', '-subject', '-in', join(pki, 'apiserver.pem'))).to.match(/subject=CN = kube-apiserver/);
    expect(openssl('x509', '-noout', '-ext', 'extendedKeyUsage', '-in', join(pki, 'apiserver.pem'))).to.contain('TLS Web Server Authentication');
    const expected = {
      dns: ['api.example.com', 'cp1', 'cp2', 'cp3', 'extra.example.com', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', 'master3.example.com'].sort(),
      ip: ['10.0.0.2', '10.96.0.1', '127.0.0.1', '192.0.2.7', '198.18.255.1', '198.18.255.100', '198.18.255.3', '203.0.113.2', 'fd00::7'].sort(),
    };
    expect(sans(join(pki, 'apiserver.pem'))).to.deep.equal(expected);

    // kubelet client and serving certificates, per node name
    const nodes = { cp1: ['198.18.255.1'], cp2: ['10.0.0.2', '203.0.113.2'], 'master3.example.com': ['198.18.255.3'], n1: ['198.18.255.11'], worker2: ['198.18.255.12'] };
    for (const [node, ips] of Object.entries(nodes)) {
      expect(openssl('x509', '-noout', '-subject', '-in', join(pki, `kubelet-${node}.pem`))).to.contain(`subject=O = system:nodes, CN = system:node:${node}`);
      expect(openssl('x509', '-noout', '-ext', 'extendedKeyUsage', '-in', join(pki, `kubelet-${node}.pem`))).to.contain('TLS Web Client Authentication');
      expect(openssl('x509', '-noout', '-subject', '-in', join(pki, `kubelet-server-${node}.pem`))).to.contain(`subject=CN = ${node}`);
      expect(sans(join(pki, `kubelet-server-${node}.pem`))).to.deep.equal({ dns: [node], ip: ['127.0.0.1', ...ips].sort() });
    }

    // admin.conf: the VIP, the admin certificate; kubectl reads it
    const conf = readFileSync(join(dir, 'credentials/admin.conf'), 'utf8');
    expect(conf).to.contain('server: https://198.18.255.100:8443');
    const certData = /client-certificate-data: (\S+)/.exec(conf)![1]!;
    expect(Buffer.from(certData, 'base64').toString()).to.equal(readFileSync(join(pki, 'admin.pem'), 'utf8'));
    if (hasKubectl) {
      const view = JSON.parse(execFileSync('kubectl', ['config', 'view', '-o', 'json', '--kubeconfig', join(dir, 'credentials/admin.conf')], { encoding: 'utf8' })) as {
        clusters: { cluster: { server: string } }[];
        users: { name: string }[];
        'current-context': string;
      };
      expect(view.clusters[0]!.cluster.server).to.equal('https://198.18.255.100:8443');
      expect(view.users[0]!.name).to.equal('kubernetes-admin');
      expect(view['current-context']).to.equal('kubernetes-admin@cluster.local');
    }

    const second = await run('--json');
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(recap(second).localhost!.changed, 'second run').to.equal(0);
    const check2 = await run('--check', '--diff', '--json');
    expect(recap(check2).localhost!.changed, 'check after it').to.equal(0);

    // a fourth control plane: only the apiserver certificate is re-issued (same key), cp4's own are new
    const key = readFileSync(join(pki, 'secrets-encryption.key'), 'utf8');
    expect(Buffer.from(key.trim(), 'base64').length).to.equal(32);
    expect(key).to.match(/^[A-Za-z0-9+/]+=*\n$/);
    const shas = Object.fromEntries(readdirSync(pki).map((f) => [f, sha(join(pki, f))]));
    const adminConf = sha(join(dir, 'credentials/admin.conf'));
    writeFileSync(inv, readFileSync(inv, 'utf8').replace('[kube_node]', 'cp4 ansible_host=198.18.255.4\n\n[kube_node]'));
    const grow = await run('--diff', '--json');
    expect(grow.code, grow.stdout + grow.stderr).to.equal(0);
    const changed = readdirSync(pki).filter((f) => shas[f] !== sha(join(pki, f))).sort();
    expect(changed).to.deep.equal(['apiserver.pem', 'kubelet-cp4-key.pem', 'kubelet-cp4.pem', 'kubelet-server-cp4-key.pem', 'kubelet-server-cp4.pem']);
    expect(sans(join(pki, 'apiserver.pem')).ip).to.contain('198.18.255.4');
    expect(sans(join(pki, 'apiserver.pem')).dns).to.contain('cp4');
    expect(sha(join(dir, 'credentials/admin.conf'))).to.equal(adminConf);

    // the encryption key: kept; recovered from a control plane when the controller lost it
    expect(readFileSync(join(pki, 'secrets-encryption.key'), 'utf8')).to.equal(key);
    mkdirSync(join(dir, 'hosts/cp2'), { recursive: true });
    writeFileSync(join(dir, 'hosts/cp2/encryption-config.yaml'), encryptionConfig(key.trim()), { mode: 0o600 });
    rmSync(join(pki, 'secrets-encryption.key'));
    const checkLost = await run('--check', '--diff');
    expect(checkLost.code, checkLost.stdout + checkLost.stderr).to.equal(0);
    expect(checkLost.stdout).to.match(/localhost -> cp2.*\n.*recover the key from the host's .*hosts\/cp2\/encryption-config\.yaml/);
    expect(existsSync(join(pki, 'secrets-encryption.key'))).to.equal(false);
    const recovered = await run('--diff', '--json');
    expect(recovered.code, recovered.stdout + recovered.stderr).to.equal(0);
    expect(recap(recovered).localhost!.changed).to.equal(1);
    expect(readFileSync(join(pki, 'secrets-encryption.key'), 'utf8')).to.equal(key);
    expect(mode(join(pki, 'secrets-encryption.key'))).to.equal('0600');

    // another key on another control plane is a failure, with or without the controller's copy
    mkdirSync(join(dir, 'hosts/cp3'), { recursive: true });
    const other = Buffer.alloc(32, 7).toString('base64');
    writeFileSync(join(dir, 'hosts/cp3/encryption-config.yaml'), encryptionConfig(other), { mode: 0o600 });
    const clash = await run('--json');
    expect(clash.code).to.equal(2);
    expect(clash.stdout).to.contain('different keys on different hosts');
    expect(readFileSync(join(pki, 'secrets-encryption.key'), 'utf8')).to.equal(key);
    rmSync(join(pki, 'secrets-encryption.key'));
    const clash2 = await run();
    expect(clash2.code).to.equal(2);
    expect(clash2.stdout).to.contain('different keys on different hosts');
    expect(readFileSync(join(pki, 'secrets-encryption.key'), 'utf8'), 'the first control plane\'s key, never a new one').to.equal(key);

    expectNoSecrets(dir, runs);
    for (const r of runs) expect(r.stdout + r.stderr).not.to.contain(key.trim()).and.not.to.contain(other);
  });
});
