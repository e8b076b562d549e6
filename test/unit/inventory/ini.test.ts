import { expect } from 'chai';
import { KplayError, KplayErrors } from '../../../engine/errors.ts';
import { Inventory } from '../../../engine/inventory/index.ts';
import { writeTree } from './tree.ts';

function loadIni(text: string): Inventory {
  const dir = writeTree({ 'hosts': text });
  return Inventory.load([`${dir}/hosts`]);
}

function loadErrors(text: string): KplayError[] {
  const dir = writeTree({ 'hosts.ini': text });
  try {
    Inventory.load([`${dir}/hosts.ini`]);
  } catch (err) {
    expect(err).to.be.instanceOf(KplayErrors);
    return (err as KplayErrors).errors;
  }
  throw new Error('expected the load to fail');
}

describe('inventory: INI format', () => {
  it('reads hosts, inline vars, groups, children and group vars', () => {
    const inv = loadIni(`
# comment
; another comment
lonely

[web]
web1 ansible_host=1.2.3.4 ip=10.0.0.1 port=8080 flag=True label="two words"
web2:2222

[db]
db1

[app:children]
web
db

[app:vars]
env=prod
replicas=3
`);
    expect(inv.hosts()).to.deep.equal(['lonely', 'web1', 'web2', 'db1']);
    expect(inv.groups()['app']).to.deep.equal(['web1', 'web2', 'db1']);
    expect(inv.groups()['ungrouped']).to.deep.equal(['lonely']);
    expect(inv.groups()['all']).to.deep.equal(['lonely', 'web1', 'web2', 'db1']);
    const v = inv.hostVars('web1');
    expect(v).to.include({ ansible_host: '1.2.3.4', ip: '10.0.0.1', port: 8080, flag: true, label: 'two words', env: 'prod', replicas: 3 });
    expect(inv.hostVars('web2')['ansible_port']).to.equal(2222);
    expect(inv.groupNames('web1')).to.deep.equal(['app', 'web']);
    expect(inv.groupNames('lonely')).to.deep.equal(['ungrouped']);
  });

  it('expands ranges in host lines and gives each host the vars', () => {
    const inv = loadIni('[nodes]\nnode[01:03] role=worker\n');
    expect(inv.hosts()).to.deep.equal(['node01', 'node02', 'node03']);
    expect(inv.hostVars('node02')['role']).to.equal('worker');
  });

  it('accepts a host in several groups; later inline vars win', () => {
    const inv = loadIni('[a]\nh1 x=1\n[b]\nh1 x=2 y=3\n');
    expect(inv.hosts()).to.deep.equal(['h1']);
    expect(inv.groupNames('h1')).to.deep.equal(['a', 'b']);
    expect(inv.hostVars('h1')).to.include({ x: 2, y: 3 });
  });

  it('allows children declared before their group, and [all:vars]', () => {
    const inv = loadIni('[top:children]\nlater\n[later]\nh1\n[all:vars]\nz=9\n');
    expect(inv.groups()['top']).to.deep.equal(['h1']);
    expect(inv.hostVars('h1')['z']).to.equal(9);
    expect(inv.warnings).to.have.length(0);
  });

  it('creates an undeclared child group empty, with a located warning and a did-you-mean hint', () => {
    const inv = loadIni('[kube_node]\nw1\n[k8s_cluster:children]\nkube_nodes\nkube_node\n');
    expect(inv.groups()['kube_nodes']).to.deep.equal([]);
    expect(inv.groups()['k8s_cluster']).to.deep.equal(['w1']);
    expect(inv.warnings).to.have.length(1);
    expect(inv.warnings[0]!.loc).to.include({ line: 4, col: 1 });
    expect(inv.warnings[0]!.hint).to.match(/kube_node/);
  });

  it('reports every bad line with file:line:col', () => {
    const errors = loadErrors('[web]\nweb1 novalue\nweb[3:1]\n[web:bogus]\nx\n[bad section]\n[g:vars]\nnot a var\n[g:children]\ntwo words\n');
    const where = errors.map((e) => [e.loc?.line, e.loc?.col, e.code]);
    expect(where).to.deep.equal([
      [2, 6, 'KPLAY_INVENTORY'],
      [3, 1, 'KPLAY_INVENTORY'],
      [4, 1, 'KPLAY_INVENTORY'],
      [6, 1, 'KPLAY_INVENTORY'],
      [8, 1, 'KPLAY_INVENTORY'],
      [10, 1, 'KPLAY_INVENTORY'],
    ]);
    expect(errors[0]!.message).to.match(/key=value/);
    expect(errors[1]!.message).to.match(/bad host range/);
    expect(errors[0]!.loc!.file).to.match(/hosts\.ini$/);
  });

  it('refuses a group that contains itself', () => {
    const errors = loadErrors('[a:children]\nb\n[b:children]\na\n');
    expect(errors[0]!.message).to.match(/loop/);
    expect(errors[0]!.loc).to.include({ line: 4 });
  });

  it('reads quoted values with spaces and an inline # comment', () => {
    const inv = loadIni(`[g]\nh1 msg='a b' path="/x y" n=1 # trailing comment\n`);
    expect(inv.hostVars('h1')).to.include({ msg: 'a b', path: '/x y', n: 1 });
  });
});

describe('inventory: INI oddities', () => {
  it('ignores a UTF-8 byte-order mark and CRLF line ends', () => {
    const dir = writeTree({ 'hosts.ini': '\uFEFF[web]\r\nweb1 x=1\r\n' });
    const inv = Inventory.load([`${dir}/hosts.ini`]);
    expect(inv.groups()['web']).to.deep.equal(['web1']);
    expect(inv.hostVars('web1')['x']).to.equal(1);
  });
});
