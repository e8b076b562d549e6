import { expect } from 'chai';
import { planUser, user } from '../../../../modules/system/user.ts';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { queryOn } from '../../../../engine/executor/module-context.ts';
import type { ReadContext } from '../../../../modules/api.ts';
import { planGroup } from '../../../../modules/system/group.ts';
import { planPackage, packageModule } from '../../../../modules/system/package.ts';

const entry = { name: 'etcd', uid: 998, gid: 997, gecos: '', home: '/var/lib/etcd', shell: '/bin/sh' };

describe('user: plan', () => {
  it('creates with useradd flags; the password goes through chpasswd stdin', () => {
    const p = planUser({}, { name: 'etcd', uid: 998, system: true, shell: '/usr/sbin/nologin', home: '/var/lib/etcd', create_home: false, groups: 'a, b', password: '$6$x' });
    const ops = p.changes[0]!.ops;
    expect(ops[0]).to.deep.equal({ kind: 'exec', cmd: ['useradd', '-u', '998', '-G', 'a,b', '-s', '/usr/sbin/nologin', '-d', '/var/lib/etcd', '-r', '-M', 'etcd'] });
    expect(ops[1]).to.deep.equal({ kind: 'exec', cmd: ['chpasswd', '-e'], stdin: 'etcd:$6$x\n' });
    expect(JSON.stringify(p.changes.map((c) => [c.summary, c.diff]))).to.not.contain('$6$x');
  });
  it('no change when everything matches', () => {
    expect(planUser({ entry, groups: ['etcd', 'a'] }, { name: 'etcd', uid: 998, shell: '/bin/sh', groups: ['a'], group: 'etcd' }).changes).to.deep.equal([]);
  });
  it('one change per property', () => {
    const p = planUser({ entry, groups: ['etcd', 'a'], hash: 'old' }, { name: 'etcd', shell: '/bin/bash', groups: ['b'], password: 'new' });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['user etcd: groups: a → b', 'user etcd: shell: /bin/sh → /bin/bash', 'user etcd: password changed']);
    expect(p.changes[2]).to.include({ sensitive: true });
  });
  it('append adds only missing groups', () => {
    const p = planUser({ entry, groups: ['etcd', 'a'] }, { name: 'etcd', groups: ['a', 'b'], append: true });
    expect(p.changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['usermod', '-a', '-G', 'b', 'etcd'] });
    expect(planUser({ entry, groups: ['etcd', 'a', 'b'] }, { name: 'etcd', groups: ['a'], append: true }).changes).to.deep.equal([]);
  });
  it('absent', () => {
    expect(planUser({ entry }, { name: 'etcd', state: 'absent', remove: true }).changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['userdel', '-r', 'etcd'] });
    expect(planUser({}, { name: 'etcd', state: 'absent' }).changes).to.deep.equal([]);
  });
});

describe('user: read', () => {
  // this machine's root account, through the real probes
  const ctx = { query: queryOn(new LocalTransport('localhost')) } as unknown as ReadContext;
  it('reads the groups (id -Gn on the host) only when group or groups is to be compared', async () => {
    const plain = await user.read(ctx, { name: 'root' });
    expect(plain.entry?.uid).to.equal(0);
    expect(plain).not.to.have.property('groups');
    expect((await user.read(ctx, { name: 'root', groups: [] })).groups?.[0]).to.equal('root');
    expect((await user.read(ctx, { name: 'root', group: 'root' })).groups?.[0]).to.equal('root');
  });
});

describe('group: plan', () => {
  it('create, change gid, remove', () => {
    expect(planGroup({}, { name: 'g', gid: 5, system: true }).changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['groupadd', '-g', '5', '-r', 'g'] });
    expect(planGroup({ entry: { name: 'g', gid: 4, members: [] } }, { name: 'g', gid: 5 }).changes[0]!.summary).to.equal('group g: gid 4 → 5');
    expect(planGroup({ entry: { name: 'g', gid: 5, members: [] } }, { name: 'g', gid: 5 }).changes).to.deep.equal([]);
    expect(planGroup({ entry: { name: 'g', gid: 5, members: [] } }, { name: 'g', state: 'absent' }).changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['groupdel', 'g'] });
  });
});

describe('package: plan', () => {
  const s = { manager: 'apt' as const, installed: { curl: '7.88', socat: '1.7' }, upgradable: {} };
  it('present: installs only what is missing', () => {
    const p = planPackage(s, { name: ['curl', 'jq'] });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['install jq']);
    expect(p.changes[0]!.ops[0]).to.deep.include({ env: { DEBIAN_FRONTEND: 'noninteractive' } });
    expect(planPackage(s, { name: 'curl,socat', update_cache: true }).changes).to.deep.equal([]);
  });
  it('update_cache runs before an install, and alone always', () => {
    expect(planPackage(s, { name: 'jq', update_cache: true }).changes.map((c) => c.summary)).to.deep.equal(['apt: update the package index', 'install jq']);
    expect(planPackage(s, { update_cache: true }).changes).to.have.length(1);
  });
  it('absent removes installed ones with their versions', () => {
    expect(planPackage(s, { name: ['socat', 'jq'], state: 'absent' }).changes.map((c) => c.summary)).to.deep.equal(['remove socat 1.7']);
  });
  it('latest upgrades to the candidate', () => {
    const p = planPackage({ ...s, upgradable: { curl: '7.99', socat: '1.7' } }, { name: ['curl', 'socat'], state: 'latest' });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['upgrade curl 7.88 → 7.99']);
  });
  it('dnf ops; unknown manager fails; name required', () => {
    expect(planPackage({ ...s, manager: 'dnf' }, { name: 'jq' }).changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['dnf', '-y', '-q', 'install', '--', 'jq'] });
    expect(planPackage({ ...s, manager: 'unknown' }, { name: 'jq' }).failed).to.match(/no supported/);
    expect(packageModule.validate!({})[0]!.key).to.equal('name');
  });
});
