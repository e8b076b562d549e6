/**
 * The pki role alone on the controller (no lab): an inventory with a control-plane host and no
 * etcd group gets the Kubernetes CAs, the SA key pair and the client certificates; check mode
 * writes nothing; a second run changes nothing.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay, recap } from '../../support/kplay.ts';

const fixture = join(import.meta.dirname, '../../fixtures/roles/pki');

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });

describe('role pki on the controller', function () {
  this.timeout(180_000);

  it('check writes nothing; the run makes CAs, SA key pair and client certificates; the second run changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-pki-role-'));
    copyFileSync(join(fixture, 'hosts.ini'), join(dir, 'hosts.ini'));
    const args = ['run', join(fixture, 'site.yml'), '-i', join(dir, 'hosts.ini'), '--json'];
    const pki = join(dir, 'pki');

    const check = await kplay(...args, '--check');
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(existsSync(pki)).to.equal(false);

    const first = await kplay(...args);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(recap(first).localhost!.changed).to.equal(recap(check).localhost!.changed);
    const names = ['ca', 'front-proxy-ca', 'apiserver-kubelet-client', 'front-proxy-client', 'controller-manager', 'scheduler', 'kube-proxy', 'admin'];
    expect(readdirSync(pki).sort()).to.deep.equal([...names.flatMap((n) => [`${n}-key.pem`, `${n}.pem`]), 'sa.key', 'sa.pub'].sort());
    expect(existsSync(join(pki, 'etcd')), 'no etcd group, no etcd PKI').to.equal(false);

    const verify = (ca: string, cert: string) => openssl('verify', '-CAfile', join(pki, `${ca}.pem`), join(pki, `${cert}.pem`));
    for (const n of ['apiserver-kubelet-client', 'controller-manager', 'scheduler', 'kube-proxy', 'admin']) expect(verify('ca', n)).to.contain(': OK');
    expect(verify('front-proxy-ca', 'front-proxy-client')).to.contain(': OK');
    expect(openssl('x509', '-noout', '-subject', '-in', join(pki, 'admin.pem'))).to.match(/O = kubeadm:cluster-admins, CN = kubernetes-admin/);
    expect(openssl('x509', '-noout', '-subject', '-in', join(pki, 'scheduler.pem'))).to.match(/CN = system:kube-scheduler/);

    const second = await kplay(...args);
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(recap(second).localhost!.changed).to.equal(0);
  });
});
