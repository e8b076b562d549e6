import { expect } from 'chai';
import { editSysctlFile, fileValue, planSysctl, sysctl } from '../../../../modules/system/sysctl.ts';
import { planModprobe } from '../../../../modules/system/modprobe.ts';
import { planHostname } from '../../../../modules/system/hostname.ts';

const fileSt = { exists: true as const, type: 'file' as const, mode: '0644', owner: 'root', group: 'root', uid: 0, gid: 0, size: 1, inode: '1:1' };

describe('sysctl: plan', () => {
  it('sets live and persists', () => {
    const p = planSysctl({ live: '0', fileSt: { exists: false } }, { name: 'net.ipv4.ip_forward', value: 1 });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['/etc/sysctl.d/99-kplay.conf: net.ipv4.ip_forward (unset) → 1', 'net.ipv4.ip_forward: live 0 → 1']);
    expect(p.changes[0]!.ops[0]).to.deep.include({ kind: 'put', content: 'net.ipv4.ip_forward = 1\n', mode: '0644' });
    expect(p.changes[1]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: "printf '%s\\n' 1 > /proc/sys/net/ipv4/ip_forward" });
    expect(p.changes[1]!.diff).to.deep.equal({ path: 'net.ipv4.ip_forward', before: 'live: 0\n', after: 'live: 1\n' });
  });
  it('no change when both agree (booleans and whitespace normalised)', () => {
    expect(planSysctl({ live: '1', file: 'net.ipv4.ip_forward=1\n', fileSt }, { name: 'net.ipv4.ip_forward', value: true }).changes).to.deep.equal([]);
    expect(planSysctl({ live: '32768 60999', file: 'net.ipv4.ip_local_port_range = 32768\t60999\n', fileSt }, { name: 'net.ipv4.ip_local_port_range', value: '32768  60999' }).changes).to.deep.equal([]);
  });
  it('reload false leaves the live value alone; sysctl_set forces it', () => {
    expect(planSysctl({ live: '0', file: 'net.ipv4.ip_forward = 1\n', fileSt }, { name: 'net.ipv4.ip_forward', value: 1, reload: false }).changes).to.deep.equal([]);
    expect(planSysctl({ live: '0', file: 'net.ipv4.ip_forward = 1\n', fileSt }, { name: 'net.ipv4.ip_forward', value: 1, reload: false, sysctl_set: true }).changes).to.have.length(1);
  });
  it('absent removes the key only from the file', () => {
    const p = planSysctl({ live: '1', file: '# x\nnet.ipv4.ip_forward = 1\n', fileSt }, { name: 'net.ipv4.ip_forward', state: 'absent' });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['/etc/sysctl.d/99-kplay.conf: net.ipv4.ip_forward 1 → (unset)']);
    expect(planSysctl({ live: '1', fileSt: { exists: false } }, { name: 'net.ipv4.ip_forward', state: 'absent' }).changes).to.deep.equal([]);
  });
  it('unknown key fails; value required', () => {
    expect(planSysctl({ fileSt: { exists: false } }, { name: 'net.x', value: 1 }).failed).to.match(/unknown sysctl key/);
    expect(sysctl.validate!({ name: 'a' })[0]!.key).to.equal('value');
  });
  it('file edits: replace first, drop later duplicates, dots and slashes alike', () => {
    expect(editSysctlFile('a = 1\nnet.x = 0\nb=2\nnet.x=5\n', 'net.x', '1')).to.equal('a = 1\nnet.x = 1\nb=2\n');
    expect(fileValue('net/ipv4/ip_forward = 1\n', 'net.ipv4.ip_forward')).to.equal('1');
    expect(fileValue('net.ipv4Xip_forward = 1\n', 'net.ipv4.ip_forward')).to.equal(undefined);
  });
});

describe('modprobe: plan', () => {
  const none = { exists: false as const };
  it('built-in counts as loaded', () => expect(planModprobe({ loaded: 'builtin', loadConf: none, optionsConf: none }, { name: 'br_netfilter' }).changes).to.deep.equal([]));
  it('loads a missing module with params', () => {
    const p = planModprobe({ loaded: 'absent', loadConf: none, optionsConf: none }, { name: 'ip_vs', params: 'conn_tab_bits=12' });
    expect(p.changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['modprobe', '--', 'ip_vs', 'conn_tab_bits=12'] });
  });
  it('persistent present writes both files, absent removes them', () => {
    const p = planModprobe({ loaded: 'module', loadConf: none, optionsConf: none }, { name: 'ip_vs', params: 'a=1', persistent: 'present' });
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['/etc/modules-load.d/ip_vs.conf: create', '/etc/modprobe.d/ip_vs.conf: create']);
    const q = planModprobe({ loaded: 'module', loadConf: { exists: true, content: Buffer.from('ip_vs\n') }, optionsConf: none }, { name: 'ip_vs', persistent: 'absent' });
    expect(q.changes.map((c) => c.ops[0])).to.deep.equal([{ kind: 'remove', path: '/etc/modules-load.d/ip_vs.conf' }]);
  });
  it('unload: a module is removed; a built-in fails', () => {
    expect(planModprobe({ loaded: 'module', loadConf: none, optionsConf: none }, { name: 'x', state: 'absent' }).changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['modprobe', '-r', '--', 'x'] });
    expect(planModprobe({ loaded: 'builtin', loadConf: none, optionsConf: none }, { name: 'x', state: 'absent' }).failed).to.match(/built into/);
  });
});

describe('hostname: plan', () => {
  it('file and live', () => {
    expect(planHostname({ live: 'old', file: 'old\n' }, { name: 'new' }).changes.map((c) => c.summary)).to.deep.equal(['/etc/hostname: old → new', 'hostname: old → new']);
    expect(planHostname({ live: 'new', file: 'new\n' }, { name: 'new' }).changes).to.deep.equal([]);
    expect(planHostname({ live: 'new' }, { name: 'new' }).changes.map((c) => c.summary)).to.deep.equal(['/etc/hostname: (none) → new']);
  });
});
