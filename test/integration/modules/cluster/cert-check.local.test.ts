/**
 * cert in --check predicts the real run through the CLI (two local "hosts", no lab): a leaf whose
 * CA nothing creates fails in check mode as it fails in the real run; a leaf after the task that
 * creates its CA (run_once, on the controller) is "changed, after: <that task>" in check mode on
 * every host, and the real run then changes exactly that. Check mode writes nothing. The same for
 * kubeconfig, whose certificates are controller files too.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay, recap, type KplayRun } from '../../../support/kplay.ts';

interface HostResult {
  type: string;
  host: string;
  task: string;
  status: string;
  msg?: string;
  changes: { summary: string; after?: string }[];
}

const results = (r: KplayRun): HostResult[] => r.events.filter((e) => e.type === 'host_result') as unknown as HostResult[];
/** "task @ host → status" for every result (hosts finish in any order), to compare check and real run. */
const outcome = (r: KplayRun): string[] => results(r).map((e) => `${e.task} @ ${e.host} → ${e.status}`).sort();

describe('cert: --check predicts the real run (the CA lives in the controller\'s ledger)', function () {
  let dir: string;
  let inv: string;
  let pki: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-cert-check-'));
    pki = join(dir, 'pki');
    inv = join(dir, 'hosts.ini');
    writeFileSync(inv, ['[all]', 'a', 'b', '', '[all:vars]', 'ansible_connection=local', `pki=${pki}`, ''].join('\n'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const playbook = (tasks: string, name = 'site.yml'): string => {
    const p = join(dir, name);
    writeFileSync(p, ['- hosts: all', '  gather_facts: false', '  tasks:', tasks].join('\n'));
    return p;
  };
  const leaf = [
    '    - name: leaf certificate',
    '      cert: { kind: cert, name: "leaf-{{inventory_hostname}}", common_name: "{{inventory_hostname}}", usages: [client_auth], pki_dir: "{{pki}}" }',
  ].join('\n');

  it('a leaf whose CA nothing creates fails in --check, as the real run does', async () => {
    const site = playbook(leaf);
    const check = await kplay('run', site, '-i', inv, '--check', '--json');
    expect(existsSync(pki), 'check mode wrote the PKI directory').to.equal(false);
    const real = await kplay('run', site, '-i', inv, '--json');
    expect(real.code, real.stdout).to.equal(2);
    for (const e of results(real)) expect(e.msg).to.match(/CA ca not found/);

    expect(outcome(check)).to.deep.equal(outcome(real));
    expect(check.code, check.stdout).to.equal(2);
    for (const e of results(check)) expect(e.msg).to.match(/CA ca not found: .*ca\.pem is missing/);
  });

  it('a leaf after the task that creates its CA: changed after that task in --check on every host, then the real run', async () => {
    const site = playbook(
      [
        '    - name: make the CA',
        '      cert: { kind: ca, common_name: test-ca, pki_dir: "{{pki}}" }',
        '      run_once: true',
        leaf,
      ].join('\n'),
    );
    const check = await kplay('run', site, '-i', inv, '--check', '--json');
    expect(check.code, check.stdout).to.equal(0);
    expect(existsSync(pki), 'check mode wrote the PKI directory').to.equal(false);
    const leaves = results(check).filter((e) => e.task === 'leaf certificate');
    expect(leaves.map((e) => e.host).sort()).to.deep.equal(['a', 'b']);
    for (const e of leaves) {
      expect(e.status).to.equal('changed');
      expect(e.changes[0]!.after).to.equal('make the CA');
    }

    const real = await kplay('run', site, '-i', inv, '--json');
    expect(real.code, real.stdout).to.equal(0);
    expect(outcome(check)).to.deep.equal(outcome(real));
    expect(readdirSync(pki).sort()).to.deep.equal(['ca-key.pem', 'ca.pem', 'leaf-a-key.pem', 'leaf-a.pem', 'leaf-b-key.pem', 'leaf-b.pem']);

    const again = await kplay('run', site, '-i', inv, '--json');
    expect(Object.values(recap(again)).map((h) => h.changed)).to.deep.equal([0, 0]);
  });

  it('kubeconfig: a client certificate nothing creates fails in --check as in the real run; one a cert task creates is planned after it', async () => {
    const kc = [
      '    - name: admin kubeconfig',
      `      kubeconfig: { path: "${dir}/{{inventory_hostname}}.conf", server: "https://127.0.0.1:6443", client_cert: admin, pki_dir: "{{pki}}" }`,
    ].join('\n');
    const site = playbook(['    - name: make the CA', '      cert: { kind: ca, common_name: test-ca, pki_dir: "{{pki}}" }', '      run_once: true', kc].join('\n'));
    const check = await kplay('run', site, '-i', inv, '--check', '--json');
    const real = await kplay('run', site, '-i', inv, '--json');
    expect(outcome(check)).to.deep.equal(outcome(real));
    for (const e of results(check).filter((r) => r.task === 'admin kubeconfig')) expect(e.msg).to.match(/missing on the controller: .*admin\.pem/);

    rmSync(pki, { recursive: true });
    const withCert = playbook(
      [
        '    - name: make the CA',
        '      cert: { kind: ca, common_name: test-ca, pki_dir: "{{pki}}" }',
        '      run_once: true',
        '    - name: admin certificate',
        '      cert: { kind: cert, name: admin, common_name: kubernetes-admin, usages: [client_auth], pki_dir: "{{pki}}" }',
        '      run_once: true',
        kc,
      ].join('\n'),
      'with-cert.yml',
    );
    const check2 = await kplay('run', withCert, '-i', inv, '--check', '--json');
    expect(check2.code, check2.stdout).to.equal(0);
    expect(existsSync(pki), 'check mode wrote the PKI directory').to.equal(false);
    for (const e of results(check2).filter((r) => r.task === 'admin kubeconfig')) {
      expect(e.status).to.equal('changed');
      expect(e.changes.at(-1)!.after).to.equal('admin certificate');
    }
    const real2 = await kplay('run', withCert, '-i', inv, '--json');
    expect(outcome(check2)).to.deep.equal(outcome(real2));
  });

  it('a CA whose key is gone: --check fails the leaf as the real run does (no task can create the key)', async () => {
    const site = playbook(leaf);
    const setup = playbook(['    - cert: { kind: ca, common_name: test-ca, pki_dir: "{{pki}}" }', '      run_once: true'].join('\n'), 'ca.yml');
    expect((await kplay('run', setup, '-i', inv)).code).to.equal(0);
    rmSync(join(pki, 'ca-key.pem'));
    const check = await kplay('run', site, '-i', inv, '--check', '--json');
    const real = await kplay('run', site, '-i', inv, '--json');
    expect(outcome(check)).to.deep.equal(outcome(real));
    for (const e of results(check)) expect(e.msg).to.match(/CA ca not found: .*ca-key\.pem is missing/);
  });
});
