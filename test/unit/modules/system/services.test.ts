import { expect } from 'chai';
import { planUnit, type UnitView } from '../../../../modules/system/common/unit-plan.ts';
import { systemd, systemctlFor, unitView, type SystemdState } from '../../../../modules/system/systemd.ts';
import { planOpenrc } from '../../../../modules/system/service.ts';

const sc = systemctlFor('system');
const view = (v: Partial<UnitView>): UnitView => ({ unit: 'etcd.service', found: true, active: 'inactive', enablement: 'disabled', needsReload: false, ...v });
const sums = (v: Partial<UnitView>, a: Parameters<typeof planUnit>[1]) => planUnit(view(v), a, sc).changes.map((c) => c.summary);

describe('systemd: plan', () => {
  const rows: [string, Partial<UnitView>, Parameters<typeof planUnit>[1], string[]][] = [
    ['start and enable', {}, { state: 'started', enabled: true }, ['etcd.service: enabled: false → true', 'etcd.service: active: inactive → active']],
    ['already running and enabled', { active: 'active', enablement: 'enabled' }, { state: 'started', enabled: true }, []],
    ['stop and disable', { active: 'active', enablement: 'enabled' }, { state: 'stopped', enabled: false }, ['etcd.service: enabled: true → false', 'etcd.service: active: active → inactive']],
    ['stopped already', {}, { state: 'stopped' }, []],
    ['restart is always a change', { active: 'active' }, { state: 'restarted' }, ['etcd.service: restart']],
    ['reload a running unit', { active: 'active' }, { state: 'reloaded' }, ['etcd.service: reload']],
    ['reload a stopped unit starts it', {}, { state: 'reloaded' }, ['etcd.service: active: inactive → active']],
    ['static units count as enabled', { enablement: 'static' }, { enabled: true }, []],
    ['static units cannot be disabled: no change', { enablement: 'static' }, { enabled: false }, []],
    ['mask', { enablement: 'enabled' }, { masked: true }, ['etcd.service: masked: false → true']],
    ['unmask then start', { enablement: 'masked' }, { masked: false, state: 'started' }, ['etcd.service: masked: true → false', 'etcd.service: active: inactive → active']],
    ['daemon_reload only when needed', { needsReload: true }, { daemon_reload: true }, ['etcd.service: daemon-reload']],
    ['daemon_reload not needed', {}, { daemon_reload: true }, []],
    ['daemon_reload without a unit always runs', { unit: undefined, found: false }, { daemon_reload: true }, ['systemd: daemon-reload']],
    ['activating counts as running', { active: 'activating' }, { state: 'started' }, []],
  ];
  for (const [name, v, a, want] of rows) it(name, () => expect(sums(v, a)).to.deep.equal(want));

  it('ops are systemctl argv, in order: reload, mask, enable, start', () => {
    const p = planUnit(view({ needsReload: true }), { daemon_reload: true, enabled: true, state: 'started', no_block: true }, sc);
    expect(p.changes.map((c) => c.ops[0])).to.deep.equal([
      { kind: 'exec', cmd: ['systemctl', 'daemon-reload'] },
      { kind: 'exec', cmd: ['systemctl', 'enable', '--', 'etcd.service'] },
      { kind: 'exec', cmd: ['systemctl', 'start', '--no-block', '--', 'etcd.service'] },
    ]);
    expect(p.changes[1]!.diff).to.deep.equal({ path: 'etcd.service', before: 'enabled: false\n', after: 'enabled: true\n' });
  });
  it('fails on a missing unit and on starting a masked one', () => {
    expect(planUnit(view({ found: false }), { state: 'started' }, sc).failed).to.match(/not found/);
    expect(planUnit(view({ enablement: 'masked' }), { state: 'started' }, sc).failed).to.match(/masked/);
  });
  it('user scope', () => expect(systemctlFor('user')('start')).to.deep.equal(['systemctl', '--user', 'start']));

  const show = { load: 'not-found', active: 'inactive', sub: 'dead', unitFile: '', fragmentPath: '', needDaemonReload: false, available: true };
  it('view: a unit that only the ledger knows (check mode on a fresh host) is planned "after" the task that writes it', () => {
    const s: SystemdState = { unit: 'etcd.service', show, isEnabled: '', files: [], plannedBy: 'install unit' };
    expect(unitView(s)).to.deep.include({ found: true, active: 'inactive', enablement: 'disabled', after: 'install unit', needsReload: false });
    const p = planUnit(unitView(s), { state: 'started', enabled: true, daemon_reload: true }, sc);
    expect(p.changes.map((c) => c.after)).to.deep.equal(['install unit', 'install unit']);
  });
  it('view: loaded unit rewritten by an earlier task needs a daemon-reload', () => {
    const s: SystemdState = { unit: 'etcd.service', show: { ...show, load: 'loaded', active: 'active' }, isEnabled: 'enabled', files: ['/etc/systemd/system/etcd.service'], plannedBy: 'template unit' };
    expect(unitView(s)).to.deep.include({ needsReload: true, enablement: 'enabled', active: 'active' });
  });
  it('view: on disk but not loaded yet', () => {
    const s: SystemdState = { unit: 'etcd.service', show, isEnabled: 'disabled', files: ['/etc/systemd/system/etcd.service'] };
    expect(unitView(s)).to.deep.include({ found: true, needsReload: true });
    expect(unitView({ unit: 'x.service', show, isEnabled: '', files: [] }).found).to.equal(false);
  });
  it('validate', () => {
    expect(systemd.validate!({ name: 'a', unit: 'b' })[0]!.key).to.equal('unit');
    expect(systemd.validate!({ state: 'started' })[0]!.key).to.equal('name');
    expect(systemd.validate!({ daemon_reload: true })).to.deep.equal([]);
  });
  it('systemctl missing fails', () => {
    expect(systemd.plan({ unit: 'a.service', files: [], systemctlMissing: true }, { name: 'a' }, { host: 'h', check: false, diff: false }).failed).to.match(/systemd/);
  });
});

describe('service: OpenRC plan', () => {
  it('start and add to the default runlevel', () => {
    const p = planOpenrc({ exists: true, statusRc: 3, runlevels: [] }, { name: 'sshd', state: 'started', enabled: true });
    expect(p.changes.map((c) => c.ops[0])).to.deep.equal([
      { kind: 'exec', cmd: ['rc-update', 'add', 'sshd', 'default'] },
      { kind: 'exec', cmd: ['rc-service', 'sshd', 'start'] },
    ]);
  });
  it('running and enabled: no change; missing script fails', () => {
    expect(planOpenrc({ exists: true, statusRc: 0, runlevels: ['default'] }, { name: 'sshd', state: 'started', enabled: true }).changes).to.deep.equal([]);
    expect(planOpenrc({ exists: false, statusRc: 1, runlevels: [] }, { name: 'x', state: 'started' }).failed).to.match(/not found/);
  });
  it('stop, restart, reload', () => {
    expect(planOpenrc({ exists: true, statusRc: 0, runlevels: [] }, { name: 's', state: 'stopped' }).changes[0]!.summary).to.equal('s: active: active → inactive');
    expect(planOpenrc({ exists: true, statusRc: 0, runlevels: [] }, { name: 's', state: 'restarted' }).changes[0]!.summary).to.equal('s: restart');
    expect(planOpenrc({ exists: true, statusRc: 0, runlevels: [] }, { name: 's', state: 'reloaded' }).changes[0]!.summary).to.equal('s: reload');
  });
});
