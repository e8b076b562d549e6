/**
 * Secrets by kind end to end (issue 18): a private key written with blockinfile and shown with
 * debug (read with `lookup 'file'`, and registered from a command) never appears in any output —
 * console, --diff, -v, --json with and without --diff.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

describe('private keys are masked in every output, whichever module shows them (local host)', function () {
  this.timeout(60_000);
  let dir: string;
  let keyLines: string[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-secrets-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', join(dir, 'rsa.pem')], { stdio: 'ignore' });
    keyLines = [readFileSync(join(dir, 'id_ed25519'), 'utf8'), readFileSync(join(dir, 'rsa.pem'), 'utf8')]
      .flatMap((k) => k.split('\n'))
      .filter((l) => l.length >= 16 && !l.startsWith('-----'));
    writeFileSync(join(dir, 'hosts.ini'), 'h1 ansible_connection=local\n');
    writeFileSync(
      join(dir, 'site.yml'),
      `
- hosts: h1
  gather_facts: false
  tasks:
    - name: a key in a managed block
      blockinfile:
        path: "${dir}/out/authorized"
        create: true
        block: "{{lookup 'file' '${dir}/id_ed25519'}}"
    - name: another one
      blockinfile:
        path: "${dir}/out/other.conf"
        create: true
        block: "{{lookup 'file' '${dir}/rsa.pem'}}"
    - name: show the key
      debug: { msg: "{{lookup 'file' '${dir}/rsa.pem'}}" }
    - command: cat ${dir}/id_ed25519
      register: k
      changed_when: false
    - debug: { var: k.stdout_lines }
    - name: a failure that prints the key
      command: "sh -c 'cat ${dir}/rsa.pem >&2; exit 1'"
      ignore_errors: true
`,
    );
  });

  for (const flags of [[], ['--diff'], ['-v', '--diff'], ['--json'], ['--json', '--diff']]) {
    it(`kplay run ${flags.join(' ') || '(plain)'}: no line of either key`, async () => {
      execFileSync('rm', ['-rf', join(dir, 'out')]);
      execFileSync('mkdir', [join(dir, 'out')]);
      const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), ...flags);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const all = r.stdout + r.stderr;
      expect(keyLines.filter((l) => all.includes(l))).to.deep.equal([]);
      expect(all).to.match(/PRIVATE KEY|\(content hidden\)/);
      // the key did reach the file
      expect(readFileSync(join(dir, 'out', 'authorized'), 'utf8')).to.include(keyLines[0]!);
    });
  }
});

describe("the run's own connection key is a secret by value (issue 18 item 4)", function () {
  this.timeout(60_000);
  it('the content of --private-key is masked wherever it shows, even when it looks like no key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-connkey-'));
    // not PEM: only its registration as the run's key can mask it
    const secret = 'conn-key-material-7f3a9c21e4b8d05f';
    writeFileSync(join(dir, 'key'), `${secret}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'hosts.ini'), 'h1 ansible_connection=local\n');
    writeFileSync(join(dir, 'site.yml'), `- hosts: h1\n  gather_facts: false\n  tasks:\n    - debug: { msg: "key: {{lookup 'file' '${dir}/key'}}" }\n    - command: cat ${dir}/key\n      changed_when: false\n      register: k\n    - debug: { var: k.stdout }\n`);
    for (const flags of [[], ['--json'], ['-v', '--diff']]) {
      const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '--private-key', join(dir, 'key'), ...flags);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout + r.stderr, flags.join(' ')).not.to.include(secret);
      expect(r.stdout).to.match(/key: \*+/);
    }
  });
});
