/** The CLI over SSH end to end: inventory variables → transportFor → a throwaway sshd. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay, recap } from '../../support/kplay.ts';
import { makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';

describe('kplay run over SSH (throwaway sshd)', function () {
  let sshd: Sshd;
  let key: ClientKey;
  let dir: string;

  before(async function () {
    requireSshd(this);
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'kplay-cli-ssh-'));
    key = makeClientKey(dir, 'ed25519');
    sshd.authorize(key.publicKey);
    writeFileSync(
      join(dir, 'hosts.yml'),
      [
        'all:',
        '  hosts:',
        '    node1:',
        '      ansible_host: 127.0.0.1',
        `      ansible_port: ${sshd.port}`,
        '      ansible_user: root',
        `      ansible_ssh_private_key_file: ${key.path}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'site.yml'),
      ['- hosts: all', '  gather_facts: false', '  tasks:', '    - name: say hello', '      command: echo hello-from-ssh', '      register: out', '      changed_when: false', ''].join('\n'),
    );
  });
  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    delete process.env['KPLAY_HOST_KEY_CHECKING'];
  });

  it('an unknown host key makes the host UNREACHABLE with the fingerprint and the way to accept it', async () => {
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--json');
    expect(recap(r)['node1']).to.include({ unreachable: 1 });
    expect(r.stdout + r.stderr).to.contain('SHA256:').and.contain('accept-new');
    expect(existsSync(join(dir, 'known_hosts'))).to.equal(false);
  });

  it('accept-new records the key in <inventoryDir>/known_hosts, and the task runs', async () => {
    process.env['KPLAY_HOST_KEY_CHECKING'] = 'accept-new';
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(recap(r)['node1']).to.include({ ok: 1, unreachable: 0, failed: 0 });
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).to.equal(`${sshd.knownHostsLine()}\n`);
  });

  it('then strict checking accepts the recorded key', async () => {
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
  });
});
