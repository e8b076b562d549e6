import { expect } from 'chai';
import { chartVersionOf, planHelm } from '../../../../modules/cluster/helm/plan.ts';
import { parseRead } from '../../../../modules/cluster/helm/helm.ts';

const a = { name: 'demo', chart: '/srv/charts/demo', namespace: 'apps', values: { greeting: 'hi', n: 2 } };

describe('helm module (pure parts)', () => {
  it('reads the chart version from helm list NAME-VERSION', () => {
    expect(chartVersionOf('kube-prometheus-stack-79.1.0')).to.equal('79.1.0');
    expect(chartVersionOf('demo-0.1.0-rc.1')).to.equal('0.1.0-rc.1');
  });

  it('parses one read: a local chart, the release, its values', () => {
    const M = 'KH-n';
    const out = `${M} CHART\nname demo\nversion 0.2.0\n${M} LIST\n[{"name":"demo","namespace":"apps","revision":"3","status":"deployed","chart":"demo-0.1.0","app_version":"1"}]\n\n${M} VALUES\n{"greeting":"hi","n":2}\n\n${M} END\n`;
    const s = parseRead(out, 'n', a);
    expect(s.localChart).to.deep.equal({ name: 'demo', version: '0.2.0' });
    expect(s.release).to.include({ chart: 'demo-0.1.0', status: 'deployed' });
    expect(s.values).to.deep.equal({ greeting: 'hi', n: 2 });
  });

  it('installs a missing release; check mode plans the same and the op is upgrade --install with values on stdin', () => {
    const p = planHelm({ values: {} }, a, true);
    expect(p.changes).to.have.length(1);
    expect(p.changes[0]!.summary).to.match(/^install helm release apps\/demo/);
    const op = p.changes[0]!.ops[0] as { cmd: string[]; stdin: string };
    expect(op.cmd).to.include.members(['upgrade', '--install', 'demo', '/srv/charts/demo', '--create-namespace', '-f', '-']);
    expect(JSON.parse(op.stdin)).to.deep.equal(a.values);
  });

  it('unchanged when chart version and values match; upgrade on a value or version change, with a diff', () => {
    const live = { release: { chart: 'demo-0.2.0', status: 'deployed' }, values: { n: 2, greeting: 'hi' }, localChart: { name: 'demo', version: '0.2.0' } };
    expect(planHelm(live, a, false).changes).to.deep.equal([]);
    const v = planHelm(live, { ...a, values: { greeting: 'bye', n: 2 } }, false);
    expect(v.changes[0]!.summary).to.equal('upgrade helm release apps/demo: values');
    expect(v.changes[0]!.diff!.before).to.include('greeting: hi');
    expect(v.changes[0]!.diff!.after).to.include('greeting: bye');
    const c = planHelm({ ...live, localChart: { name: 'demo', version: '0.3.0' } }, a, false);
    expect(c.changes[0]!.summary).to.equal('upgrade helm release apps/demo: chart 0.2.0 → 0.3.0');
    expect(planHelm({ ...live, release: { chart: 'demo-0.2.0', status: 'failed' } }, a, false).changes[0]!.summary).to.include('status failed');
  });

  it('uninstalls only an existing release', () => {
    expect(planHelm({}, { name: 'demo', state: 'absent' }, false).changes).to.deep.equal([]);
    const p = planHelm({ release: { chart: 'demo-0.2.0', status: 'deployed' }, values: {} }, { name: 'demo', state: 'absent' }, false);
    expect((p.changes[0]!.ops[0] as { cmd: string[] }).cmd).to.include('uninstall');
  });
});
