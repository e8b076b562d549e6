import { expect } from 'chai';
import { Ajv } from 'ajv';
import { ip_route, parseRoute, planIpRoute } from '../../../../modules/system/ip_route.ts';

describe('ip_route: plan', () => {
  it('adds a missing route with ip route replace, diff before → after', () => {
    const p = planIpRoute({ line: '' }, { dest: '10.244.1.0/24', gateway: '198.18.0.12' });
    expect(p.changes).to.have.length(1);
    expect(p.changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['ip', '-4', 'route', 'replace', '10.244.1.0/24', 'via', '198.18.0.12'] });
    expect(p.changes[0]!.diff).to.deep.equal({ path: 'route 10.244.1.0/24', before: '(none)\n', after: 'via 198.18.0.12\n' });
  });
  it('no change when the live route has the gateway (any device unless dev is given)', () => {
    const line = '10.244.1.0/24 via 198.18.0.12 dev host0 ';
    expect(planIpRoute({ line }, { dest: '10.244.1.0/24', gateway: '198.18.0.12' }).changes).to.deep.equal([]);
    expect(planIpRoute({ line }, { dest: '10.244.1.0/24', gateway: '198.18.0.12', dev: 'host0' }).changes).to.deep.equal([]);
    expect(planIpRoute({ line }, { dest: '10.244.1.0/24', gateway: '198.18.0.12', dev: 'eth1' }).changes).to.have.length(1);
  });
  it('replaces a route through another gateway', () => {
    const p = planIpRoute({ line: '10.244.1.0/24 via 198.18.0.13 dev host0' }, { dest: '10.244.1.0/24', gateway: '198.18.0.12' });
    expect(p.changes[0]!.summary).to.equal('10.244.1.0/24: via 198.18.0.13 dev host0 → via 198.18.0.12');
  });
  it('absent deletes only an existing route; IPv6 and host routes', () => {
    expect(planIpRoute({ line: '' }, { dest: '10.244.9.0/24', state: 'absent' }).changes).to.deep.equal([]);
    expect(planIpRoute({ line: '10.244.9.0/24 via 1.2.3.4 dev x' }, { dest: '10.244.9.0/24', state: 'absent' }).changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['ip', '-4', 'route', 'del', '10.244.9.0/24'] });
    expect(planIpRoute({ line: '' }, { dest: 'fd00:10::/64', gateway: 'fd00::2' }).changes[0]!.ops[0]).to.deep.include({ cmd: ['ip', '-6', 'route', 'replace', 'fd00:10::/64', 'via', 'fd00::2'] });
    expect(planIpRoute({ line: '' }, { dest: '10.1.2.3', gateway: '10.0.0.1' }).changes[0]!.ops[0]).to.deep.include({ cmd: ['ip', '-4', 'route', 'replace', '10.1.2.3/32', 'via', '10.0.0.1'] });
  });
  it('present needs a gateway or a device; bad arguments are refused', () => {
    expect(planIpRoute({ line: '' }, { dest: '10.244.1.0/24' }).failed).to.match(/gateway or dev/);
    expect(new Ajv({ strict: false }).compile(ip_route.schema)({ dest: '10.244.1.0/24; rm -rf /', gateway: '1.2.3.4' })).to.equal(false);
    expect(parseRoute('10.244.1.0/24 via 198.18.0.12 dev host0 proto static')).to.deep.equal({ via: '198.18.0.12', dev: 'host0' });
  });
});
