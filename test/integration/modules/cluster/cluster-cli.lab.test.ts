/**
 * The cluster modules through the real CLI on 3 lab hosts: a check run changes nothing on the hosts
 * or the controller and predicts the real run; the real run downloads once for all hosts; the
 * second run changes nothing.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../../support/lab.ts';
import { kplay, recap } from '../../../support/kplay.ts';
import type { Transport } from '../../../../engine/transport/transport.ts';
import { startArtifactServer, type ArtifactServer } from './artifact-server.ts';
import { sha256 } from './archives.ts';

describe('cluster modules through kplay run on 3 lab hosts', function () {
  let lab: Lab | undefined;
  let srv: ArtifactServer;
  let dir: string;
  let hosts: Transport[];
  const binary = Buffer.from(`#!/bin/sh\necho ${randomBytes(8).toString('hex')}\n`);

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(3, { name: 'clustercli' });
    hosts = await Promise.all([0, 1, 2].map((i) => lab!.transport(i)));
    srv = await startArtifactServer({ '/bin/tool': binary });
    dir = mkdtempSync(join(tmpdir(), 'kplay-cluster-cli-'));
    writeFileSync(join(dir, 'kplay.yml'), `pki_dir: ${join(dir, 'pki')}\ncache_dir: ${join(dir, 'cache')}\n`);
    writeFileSync(
      join(dir, 'site.yml'),
      `- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: kubernetes CA
      cert: { kind: ca, common_name: kubernetes-ca }
- hosts: all
  gather_facts: false
  tasks:
    - name: tool
      download:
        url: ${srv.url('/bin/tool')}
        checksum: sha256:${sha256(binary)}
        dest: /usr/local/bin/tool
        mode: "0755"
    - name: kube-proxy certificate
      cert:
        kind: cert
        name: kube-proxy
        common_name: system:kube-proxy
        usages: [client_auth]
        copy_to: /var/lib/kube-proxy/pki
    - name: kube-proxy kubeconfig
      kubeconfig:
        path: /var/lib/kube-proxy/kubeconfig
        server: https://198.18.0.1:6443
        client_cert: kube-proxy
        user: system:kube-proxy
    - name: apiserver port
      iptables:
        chain: INPUT
        protocol: tcp
        destination_port: 6443
        comment: kube-apiserver
        jump: ACCEPT
`,
    );
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await srv?.close();
    await lab?.stop();
  });

  const hostState = async () =>
    Promise.all(hosts.map(async (h) => (await h.exec('iptables-save -t filter | grep -c kube-apiserver; ls /usr/local/bin /var/lib/kube-proxy 2>&1')).stdout));

  it('check, run, run again', async function () {
    this.timeout(300_000);
    const before = await hostState();
    const check = await kplay('run', join(dir, 'site.yml'), '-i', lab!.inventoryPath, '--check', '--json');
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    const planned = recap(check);
    expect(await hostState()).to.deep.equal(before);
    expect(srv.log).to.deep.equal([]);
    expect(existsSync(join(dir, 'pki'))).to.equal(false);

    const first = await kplay('run', join(dir, 'site.yml'), '-i', lab!.inventoryPath, '--json');
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    const done = recap(first);
    for (const h of lab!.hosts) {
      expect(done[h.name]!.changed, h.name).to.equal(4);
      expect(planned[h.name]!.changed, h.name).to.equal(4);
    }
    expect(srv.log).to.deep.equal(['/bin/tool']);
    expect(readdirSync(join(dir, 'pki')).sort()).to.deep.equal(['ca-key.pem', 'ca.pem', 'kube-proxy-key.pem', 'kube-proxy.pem']);

    const second = await kplay('run', join(dir, 'site.yml'), '-i', lab!.inventoryPath, '--json');
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    for (const [name, stats] of Object.entries(recap(second))) expect(stats.changed, name).to.equal(0);
    expect(srv.log).to.have.length(1);
    for (const out of await hostState()) expect(out).to.match(/^1\n/);
  });
});
