import { expect } from 'chai';
import { KplayErrors } from '../../../engine/errors.ts';
import { Inventory } from '../../../engine/inventory/index.ts';
import { writeTree } from './tree.ts';

describe('inventory: group_vars / host_vars and precedence', () => {
  it('finds group_vars as files (name, .yml, .yaml, .json) and directories (recursive, name order)', () => {
    const dir = writeTree({
      'hosts.ini': '[a]\nh1\n[b]\nh1\n[c]\nh1\n[d]\nh1\n',
      'group_vars/a': 'from_a: plain\n',
      'group_vars/b.yaml': 'from_b: yaml\n',
      'group_vars/c.json': '{"from_c": "json"}\n',
      'group_vars/d/10-first.yml': 'order: first\nd1: 1\n',
      'group_vars/d/20-second.yml': 'order: second\n',
      'group_vars/d/sub/30.yml': 'order: third\n',
      'group_vars/d/.hidden.yml': 'order: hidden\n',
      'group_vars/d/backup.yml~': 'order: backup\n',
      'group_vars/d/notes.txt': 'order: txt\n',
    });
    const v = Inventory.load([`${dir}/hosts.ini`]).hostVars('h1');
    expect(v).to.include({ from_a: 'plain', from_b: 'yaml', from_c: 'json', order: 'third', d1: 1 });
  });

  it('uses only the first of group_vars/all, all.yml, all.yaml, all.json (as Ansible does)', () => {
    const dir = writeTree({
      'hosts.ini': 'h1\n',
      'group_vars/all.yml': 'x: yml\n',
      'group_vars/all.json': '{"x": "json", "y": 1}\n',
    });
    const v = Inventory.load([`${dir}/hosts.ini`]).hostVars('h1');
    expect(v['x']).to.equal('yml');
    expect(v).not.to.have.property('y');
  });

  it('orders the layers like ansible-core: inline groups < group_vars all < group_vars groups < host inline < host_vars', () => {
    const inv = writeTree({
      'hosts.ini': [
        '[parent:children]',
        'child',
        '[child]',
        'h1 host_inline=h host_vs_hostvars=inline',
        '[all:vars]',
        'all_inline=1',
        'layer=all-inline',
        '[parent:vars]',
        'layer=parent-inline',
        'parent_inline_vs_all_file=parent-inline',
        '[child:vars]',
        'layer=child-inline',
        '',
      ].join('\n'),
      'group_vars/all.yml': 'layer: all-file\nparent_inline_vs_all_file: all-file\n',
      'group_vars/parent.yml': 'layer: parent-file\nparent_only: p\n',
      'group_vars/child.yml': 'layer: child-file\n',
      'host_vars/h1.yml': 'host_vs_hostvars: host_vars\n',
    });
    const v = Inventory.load([`${inv}/hosts.ini`]).hostVars('h1');
    expect(v['layer']).to.equal('child-file');
    // An inline var of any group ranks below group_vars/all files (ansible-core's VARIABLE_PRECEDENCE).
    expect(v['parent_inline_vs_all_file']).to.equal('all-file');
    expect(v['host_vs_hostvars']).to.equal('host_vars');
    expect(v).to.include({ all_inline: 1, parent_only: 'p', host_inline: 'h' });
  });

  it('puts playbook-dir group_vars/host_vars above the inventory ones', () => {
    const inv = writeTree({
      'hosts.ini': '[web]\nh1 inline=1\n',
      'group_vars/all.yml': 'a: inv\n',
      'group_vars/web.yml': 'w: inv\nfrom_pb_all: inv-web\n',
      'host_vars/h1.yml': 'h: inv\n',
    });
    const pb = writeTree({
      'group_vars/all.yml': 'a: pb\nfrom_pb_all: pb-all\n',
      'group_vars/web.yml': 'w: pb\n',
      'host_vars/h1.yml': 'h: pb\n',
    });
    const v = Inventory.load([`${inv}/hosts.ini`], { playbookDir: pb }).hostVars('h1');
    expect(v).to.include({ a: 'pb', w: 'pb', h: 'pb', inline: 1 });
    // Inventory group_vars/<group> still beat playbook group_vars/all.
    expect(v['from_pb_all']).to.equal('inv-web');
  });

  it('orders groups by depth, then ansible_group_priority, then name', () => {
    const dir = writeTree({
      'hosts.ini': '[zeta]\nh1\n[alpha]\nh1\n[prio]\nh1\n[prio:vars]\nansible_group_priority=10\n[top:children]\nalpha\n[deep:children]\nzeta\n[top2:children]\ndeep\n',
      'group_vars/alpha.yml': 'who: alpha\nd: alpha\n',
      'group_vars/zeta.yml': 'who: zeta\n',
      'group_vars/prio.yml': 'who: prio\nd: prio\n',
    });
    const v = Inventory.load([`${dir}/hosts.ini`]).hostVars('h1');
    // zeta is deepest (all > top2 > deep > zeta: depth 3).
    expect(v['who']).to.equal('zeta');
    // alpha (depth 2, under top) beats prio (depth 1) whatever the priority.
    expect(v['d']).to.equal('alpha');
  });

  it('breaks depth ties by priority, then by name', () => {
    const dir = writeTree({
      'hosts.ini': '[b]\nh1\n[a]\nh1\n[d]\nh1\n[c]\nh1\n[a:vars]\nansible_group_priority=5\n',
      'group_vars/a.yml': 'x: a\nother: a\n',
      'group_vars/b.yml': 'x: b\nother: b\n',
      'group_vars/c.yml': 'other: c\nby_name: c\n',
      'group_vars/d.yml': 'by_name: d\n',
    });
    const v = Inventory.load([`${dir}/hosts.ini`]).hostVars('h1');
    // a has the highest priority, so it is applied last and wins.
    expect(v['x']).to.equal('a');
    expect(v['other']).to.equal('a');
    // c and d tie on depth and priority: by name, d comes later and wins.
    expect(v['by_name']).to.equal('d');
  });

  it('replaces whole top-level keys (no deep merge)', () => {
    const dir = writeTree({
      'hosts.ini': '[g]\nh1\n',
      'group_vars/all.yml': 'lb: {address: 1.1.1.1, port: 8443}\n',
      'group_vars/g.yml': 'lb: {address: 2.2.2.2}\n',
    });
    expect(Inventory.load([`${dir}/hosts.ini`]).hostVars('h1')['lb']).to.deep.equal({ address: '2.2.2.2' });
  });

  it('reports a broken var file with its location at load time', () => {
    const dir = writeTree({ 'hosts.ini': '[g]\nh1\n', 'group_vars/g.yml': 'a: 1\na: 2\n', 'host_vars/h1.yml': '- not a mapping\n' });
    try {
      Inventory.load([`${dir}/hosts.ini`]);
      expect.fail('should throw');
    } catch (err) {
      const errors = (err as KplayErrors).errors;
      expect(errors.map((e) => [e.code, e.loc?.file.replace(/.*\/(\w+_vars)/, '$1'), e.loc?.line])).to.deep.equal([
        ['KPLAY_YAML', 'group_vars/g.yml', 2],
        ['KPLAY_INVENTORY', 'host_vars/h1.yml', 1],
      ]);
    }
  });

  it('returns the same frozen object each time, so callers cannot corrupt the cache', () => {
    const inv = Inventory.load(['h1,']);
    expect(inv.hostVars('h1')).to.equal(inv.hostVars('h1'));
    expect(() => {
      inv.hostVars('h1')['x'] = 1;
    }).to.throw(TypeError);
    expect(inv.hostVars('h1')).not.to.have.property('x');
  });
});
