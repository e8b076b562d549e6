import { expect } from 'chai';
import { thrownKplayError } from '../../support/errors.ts';
import { markVarScope } from '../../../engine/template/lazy-vars.ts';
import { evaluateCondition, parseCondition } from '../../../engine/template/expression.ts';
import { renderString, renderValue, templateVars } from '../../../engine/template/render.ts';

const thrown = thrownKplayError;

describe('template/lazy vars', () => {
  it('renders a var that is itself a template, recursively', () => {
    const vars = { data_root: '/var/lib', etcd_dir: '{{data_root}}/etcd', wal_dir: '{{etcd_dir}}/wal' };
    expect(renderValue('{{wal_dir}}', vars)).to.equal('/var/lib/etcd/wal');
    expect(renderString('dir={{wal_dir}}', vars)).to.equal('dir=/var/lib/etcd/wal');
  });

  it('keeps native types through lazy vars', () => {
    const vars = { members: '{{groups.etcd}}', groups: { etcd: ['a', 'b'] }, count: '{{length members}}' };
    expect(renderValue('{{members}}', vars)).to.deep.equal(['a', 'b']);
    expect(renderValue('{{count}}', vars)).to.equal(2);
  });

  it('renders templates nested inside dicts and lists of a var', () => {
    const vars = { root: '/opt', cfg: { dirs: ['{{root}}/a', { b: '{{root}}/b' }] } };
    expect(renderValue('{{cfg}}', vars)).to.deep.equal({ dirs: ['/opt/a', { b: '/opt/b' }] });
    expect(renderValue('{{cfg.dirs.[1].b}}', vars)).to.equal('/opt/b');
    expect(renderString('{{#each cfg.dirs}}{{this}};{{/each}}', { root: '/opt', cfg: { dirs: ['{{root}}/a', '{{root}}/c'] } })).to.equal('/opt/a;/opt/c;');
  });

  it('does not render vars that are not read', () => {
    const vars = { broken: '{{nope}}', ok: 'fine' };
    expect(renderValue('{{ok}}', vars)).to.equal('fine');
  });

  it('reports a cycle with the chain of variables', () => {
    const vars = { a: '{{b}}', b: 'x{{c}}', c: '{{a}}' };
    const err = thrown(() => renderValue('{{a}}', vars, { task: 't' }));
    expect(err.code).to.equal('KPLAY_TEMPLATE');
    expect(err.message).to.contain('cycle').and.contain('a → b → c → a');
    expect(thrown(() => renderValue('{{self}}', { self: '{{self}}' })).message).to.contain('self → self');
  });

  it('names the var being rendered when its template has an undefined variable', () => {
    const err = thrown(() => renderValue('{{outer}}', { outer: '{{inner}}/x', inner: '{{missing}}' }, { task: 'T' }));
    expect(err.message).to.contain("undefined variable 'missing'").and.contain('outer → inner').and.contain("task 'T'");
  });

  it('reads hostvars of another host, rendered against that host', () => {
    const node1 = markVarScope({ ip: '10.0.0.1', url: 'https://{{ip}}:2379' });
    const node2 = { ip: '10.0.0.2', url: 'https://{{ip}}:2379', peer: '{{hostvars.node1.url}}' };
    const hostvars = { node1, node2 };
    const vars = { ...node2, hostvars, groups: { etcd: ['node1', 'node2'] } };
    expect(renderValue('{{hostvars.node1.url}}', vars)).to.equal('https://10.0.0.1:2379');
    expect(renderValue('{{url}}', vars)).to.equal('https://10.0.0.2:2379');
    expect(renderValue('{{peer}}', vars)).to.equal('https://10.0.0.1:2379');
    expect(renderString('{{#each groups.etcd}}{{lookup (lookup @root.hostvars this) "url"}},{{/each}}', vars)).to.equal(
      'https://10.0.0.1:2379,https://10.0.0.2:2379,',
    );
  });

  it('treats the children of a top-level hostvars as scopes even without markVarScope', () => {
    const vars = { ip: 'me', hostvars: { other: { ip: 'them', url: '{{ip}}' } } };
    expect(renderValue('{{hostvars.other.url}}', vars)).to.equal('them');
  });

  it('works when hostvars is itself a Proxy computing hosts on access (as the executor builds it)', () => {
    const hosts: Record<string, Record<string, unknown>> = { a: { ip: '1', url: 'u{{ip}}' }, b: { ip: '2', url: 'u{{ip}}' } };
    const hostvars = new Proxy({} as Record<string, unknown>, {
      get: (_t, key) => (typeof key === 'string' ? hosts[key] : undefined),
      has: (_t, key) => typeof key === 'string' && key in hosts,
      ownKeys: () => Object.keys(hosts),
      getOwnPropertyDescriptor: (_t, key) => (typeof key === 'string' && key in hosts ? { enumerable: true, configurable: true } : undefined),
    });
    const vars = { ip: '0', hostvars, groups: { all: ['a', 'b'] } };
    expect(renderValue('{{hostvars.b.url}}', vars)).to.equal('u2');
    expect(renderString('{{#each groups.all}}{{lookup (lookup @root.hostvars this) "url"}} {{/each}}', vars)).to.equal('u1 u2 ');
    expect(evaluateCondition(parseCondition("hostvars['a'].url == 'u1' and hostvars.zz is not defined"), vars)).to.equal(true);
  });

  it('names the missing host in hostvars', () => {
    const err = thrown(() => renderValue('{{hostvars.node9.ip}}', { hostvars: { node1: { ip: 'x' } } }));
    expect(err.message).to.contain("'hostvars.node9.ip'").and.contain("'node9' is not defined");
  });

  it('is shared by conditions', () => {
    const vars = { base: 3, port: '{{add base 2000}}', url: 'h:{{port}}' };
    expect(evaluateCondition(parseCondition('port == 2003 and url == "h:2003"'), vars)).to.equal(true);
  });

  it('sees changes to the raw vars between calls (no stale cache)', () => {
    const vars: Record<string, unknown> = { a: 1, b: '{{a}}' };
    expect(renderValue('{{b}}', vars)).to.equal(1);
    vars.a = 2;
    expect(renderValue('{{b}}', vars)).to.equal(2);
  });

  it('gives a read-only view, reusable across calls', () => {
    const view = templateVars({ a: 1, b: '{{a}}' });
    expect(renderValue('{{b}}', view)).to.equal(1);
    expect(() => {
      (view as Record<string, unknown>).a = 2;
    }).to.throw(TypeError);
  });

  it('works on frozen vars', () => {
    const vars = Object.freeze({ a: 'x', b: '{{a}}y', l: Object.freeze(['{{a}}']) });
    expect(renderValue('{{b}} {{l}}', vars)).to.equal('xy ["x"]');
  });
});
