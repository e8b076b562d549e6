/**
 * The core playbook, unchanged, over SSH on three real hosts (systemd-nspawn lab): check mode writes
 * nothing, the first run changes, the second run changes nothing; and a host whose sshd dies mid-run
 * is UNREACHABLE while the others finish (exit code 3).
 */
import { expect } from 'chai';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { kplay, recap } from '../../support/kplay.ts';

const sample = join(import.meta.dirname, '../../../playbooks/sample.yml');

describe('kplay run over SSH on lab hosts', function () {
  let lab: Lab;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(3, { name: 'e2e' });
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  async function listing(): Promise<string[]> {
    return Promise.all(
      lab.hosts.map(async (_h, i) => {
        const t = await lab.transport(i);
        const r = await t.exec("find /tmp /etc -xdev -printf '%p %m %s\\n' 2>/dev/null | sort");
        return r.stdout;
      }),
    );
  }

  it('check mode writes nothing and plans what the first run then does; the second run changes nothing', async function () {
    this.timeout(120_000);
    const args = ['run', sample, '-i', lab.inventoryPath, '-e', 'sample_hosts=all', '--json'];
    const before = await listing();
    const check = await kplay(...args, '--check', '--diff');
    expect(check.code, check.stderr).to.equal(0);
    expect(await listing()).to.deep.equal(before);
    const changed = (r: typeof check) => r.events.filter((e) => e.type === 'host_result' && e.status === 'changed').map((e) => `${String(e.host)} ${String(e.task)} ${String(e.item ?? '')}`).sort();
    const first = await kplay(...args);
    expect(first.code, first.stderr).to.equal(0);
    expect(changed(first)).to.deep.equal(changed(check));
    for (const h of lab.hosts) expect(recap(first)[h.name]!.changed).to.be.greaterThan(0);
    const second = await kplay(...args);
    expect(second.code, second.stderr).to.equal(0);
    for (const h of lab.hosts) expect(recap(second)[h.name]!.changed, h.name).to.equal(0);
  });

  it('a host whose sshd dies mid-run is UNREACHABLE; the others finish; exit code 3', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'kplay-unreach-'));
    const victim = lab.hosts[1]!.name;
    const pb = join(dir, 'kill.yml');
    writeFileSync(
      pb,
      `- hosts: all
  gather_facts: false
  tasks:
    - name: first
      command: "true"
    - name: sshd goes away on one host
      shell: "systemctl stop ssh.socket ssh.service; pkill -KILL sshd; sleep 5"
      when: inventory_hostname == '${victim}'
    - name: the others go on
      shell: echo done > /tmp/kplay-after-kill
`,
    );
    const r = await kplay('run', pb, '-i', lab.inventoryPath, '--json', '-T', '5');
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    const stats = recap(r);
    expect(stats[victim]!.unreachable).to.equal(1);
    for (const h of lab.hosts.filter((x) => x.name !== victim)) {
      expect(stats[h.name]!.unreachable, h.name).to.equal(0);
      const t = await lab.transport(lab.hosts.indexOf(h));
      expect((await t.exec('cat /tmp/kplay-after-kill')).stdout).to.equal('done\n');
    }
  });
});
