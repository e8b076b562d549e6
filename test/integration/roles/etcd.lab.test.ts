/**
 * playbooks/etcd.yml (roles pki + etcd) through the CLI on 3 lab hosts: check mode on fresh hosts
 * plans everything and writes nothing (hosts and the controller PKI); the first run forms a TLS
 * etcd cluster from the Debian etcd 3.4 binaries; the second run and a check run after it change
 * nothing.
 */
import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, kplay, mispredictions, recap } from '../../support/kplay.ts';
import { expectNoChange, seconds, startRoleLab, type RoleLab } from '../../support/role-lab.ts';

const playbook = join(import.meta.dirname, '../../../playbooks/etcd.yml');
const etcdctl = 'etcdctl.sh';

/** Every path the play writes, with mode, owner and size, plus the unit's state. */
const STATE = [
  'for p in /etc/ssl/etcd /etc/etcd.env /etc/etcdctl.env /usr/local/bin/etcdctl.sh /etc/systemd/system/etcd.service /var/lib/etcd; do',
  '  find "$p" -printf "%p %m %u %s\\n" 2>/dev/null || echo "$p absent"; done | sort;',
  'systemctl is-enabled etcd; systemctl is-active etcd; true',
].join('\n');

describe('roles pki + etcd (playbooks/etcd.yml) on 3 lab hosts', function () {
  let rl: RoleLab | undefined;
  let on: RoleLab['on'];
  let dir: string;
  let args: string[];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    rl = await startRoleLab(3, { name: 'etcd' });
    ({ dir, on } = rl);
    // the inventory a user would write: the lab hosts in Kubespray's etcd group; localhost (pki) is implicit.
    // Debian's etcd-server/etcd-client on the lab image (cluster_defaults: etcd_bin_dir /usr/bin).
    writeFileSync(join(dir, 'hosts.ini'), `[etcd]\n${rl.lines().join('\n')}\n\n[all:vars]\netcd_source=package\n`);
    args = ['run', playbook, '-i', join(dir, 'hosts.ini'), '--json'];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await rl?.stop();
  });


  it('check mode on fresh hosts, first run forms the cluster, second run, a --limit run and check after them change nothing', async function () {
    this.timeout(300_000);
    const before = await rl!.state(STATE);
    expect(before[0]).to.match(/\/etc\/etcd.env absent/);

    const check = await kplay(...args, '--check', '--diff');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);
    expect(existsSync(join(dir, 'pki')), 'check mode wrote the controller PKI').to.equal(false);
    for (const h of rl!.lab.hosts) expect(recap(check)[h.name]!.changed, h.name).to.be.greaterThan(0);

    const first = await kplay(...args);
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stderr).to.equal(0);
    // the check run predicted exactly what the real run did, per host, task and item
    expect(mispredictions(check, first)).to.deep.equal([]);

    const members = await on(0, `${etcdctl} member list -w simple`);
    const rows = members.trim().split('\n');
    expect(rows, members).to.have.length(3);
    for (const row of rows) expect(row).to.match(/, started, etcd[123], https:\/\/198\.18\.\d+\.\d+:2380, https:\/\/198\.18\.\d+\.\d+:2379/);
    const health = await on(1, `${etcdctl} endpoint health --cluster 2>&1`); // etcdctl 3.4 prints it on stderr
    expect(health.match(/is healthy/g), health).to.have.length(3);
    await on(0, `${etcdctl} put kplay-role-test written-on-h1`);
    expect(await on(2, `${etcdctl} get --print-value-only kplay-role-test`)).to.equal('written-on-h1\n');
    // the installed certificates chain to the installed etcd CA; keys are etcd's and private
    for (const [i, h] of rl!.lab.hosts.entries()) {
      const d = '/etc/ssl/etcd/ssl';
      expect(await on(i, `openssl verify -CAfile ${d}/ca.pem ${d}/member-${h.name}.pem ${d}/admin-${h.name}.pem`)).to.contain(': OK');
      expect(await on(i, `stat -c '%a %U' ${d}/member-${h.name}-key.pem ${d}/admin-${h.name}-key.pem /var/lib/etcd`)).to.equal('600 etcd\n600 etcd\n700 etcd\n');
      expect(await on(i, `openssl x509 -noout -ext subjectAltName -in ${d}/member-${h.name}.pem`)).to.contain(`IP Address:${h.address}`);
      expect(await on(i, 'grep ^ETCD_INITIAL_CLUSTER_STATE= /etc/etcd.env')).to.equal('ETCD_INITIAL_CLUSTER_STATE=existing\n');
    }

    const second = await kplay(...args);
    expectNoChange(second);

    // --limit to one member: the others' facts are gathered through delegation; nothing changes
    const limited = await kplay(...args, '--limit', rl!.lab.hosts[1]!.name);
    expect(limited.code, limited.stdout + limited.stderr).to.equal(0);
    expect(recap(limited)[rl!.lab.hosts[1]!.name]!.changed).to.equal(0);

    const after = await kplay(...args, '--check', '--diff');
    expectNoChange(after);
    console.log(`      [etcd] 3 hosts: check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
  });

  it('a changed setting restarts the members one at a time and the data survives', async function () {
    this.timeout(120_000);
    const since = (await on(0, 'date +%s')).trim();
    const r = await kplay(...args, '-e', 'etcd_heartbeat_interval=300');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const restarts = r.events.filter((e) => e.type === 'host_result' && e.task === 'etcd : restart etcd' && e.status === 'changed');
    expect(restarts).to.have.length(3);
    // each member's stop..start window, from its journal: no two windows overlap (quorum kept)
    const windows = await Promise.all(
      rl!.hosts.map(async (_t, i) => {
        const log = await on(i, `journalctl -u etcd --since @${since} -o short-unix --no-pager | grep -E 'Stopping etcd|Started etcd' | awk '{print $1}'`);
        const [stop, start] = log.trim().split('\n').map(Number);
        return { stop: stop!, start: start! };
      }),
    );
    windows.sort((a, b) => a.stop - b.stop);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.stop, JSON.stringify(windows)).to.be.greaterThan(windows[i - 1]!.start);
    expect(await on(1, 'grep ^ETCD_HEARTBEAT_INTERVAL= /etc/etcd.env')).to.equal('ETCD_HEARTBEAT_INTERVAL=300\n');
    expect(await on(2, `${etcdctl} get --print-value-only kplay-role-test`)).to.equal('written-on-h1\n');
  });
});
