/**
 * Issue 18: `-K` reads the become password from a piped stdin (as ansible-playbook -K does), and a
 * wrong become password is said to be one, instead of only "non-zero return code". On a lab host
 * as `kplaypw` (sudo with a password), through the real CLI process.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';

const root = join(import.meta.dirname, '../../..');

describe('become password from a pipe, and a wrong one named (lab)', function () {
  this.timeout(120_000);
  let lab: Lab;
  let dir: string;
  let inv: string;
  let play: string;

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(1, { name: 'become-pw' });
    dir = mkdtempSync(join(tmpdir(), 'kplay-become-pw-'));
    const h = lab.hosts[0]!;
    inv = join(dir, 'hosts.yml');
    writeFileSync(
      inv,
      `all:\n  hosts:\n    ${h.name}:\n      ansible_host: ${h.address}\n      ansible_user: kplaypw\n      ansible_ssh_private_key_file: ${lab.keyPath}\n      ansible_ssh_common_args: "-o UserKnownHostsFile=${lab.knownHostsPath}"\n`,
    );
    play = join(dir, 'site.yml');
    writeFileSync(play, '- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n    - command: id -u\n      register: id\n      changed_when: false\n    - assert: {that: ["id.stdout == \'0\'"]}\n');
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cli = (input: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin/kplay.js'), 'run', play, '-i', inv, ...args], { input, encoding: 'utf8', env: { ...process.env, KPLAY_FROM_SOURCE: '1' }, timeout: 90_000 });

  it('-K with the password piped on stdin: the tasks run as root', () => {
    const r = cli(`${lab.users.sudoPassword}\n`, '-K');
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).to.not.contain(lab.users.sudoPassword);
  });

  it('a wrong become password says so, and never shows the password', () => {
    const r = cli('not-the-password\n', '-K');
    expect(r.status, r.stdout + r.stderr).to.equal(2);
    expect(r.stdout + r.stderr).to.match(/FAILED! => kplay-become-pw-h1: sudo refused the become password \(to become root\): the become password is wrong/);
    expect(r.stdout + r.stderr).to.not.contain('not-the-password');
  });
});
