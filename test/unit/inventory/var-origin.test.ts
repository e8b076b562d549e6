/**
 * Inventory.varOrigin: the file and line of the key that gives a host its inventory value, walking
 * the layers of precedence.ts from the highest down, file by file.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { Inventory } from '../../../engine/inventory/index.ts';
import { writeTree } from './tree.ts';

describe('inventory: varOrigin (where a host var is written)', () => {
  const ini = [
    '[parent:children]', // 1
    'child', // 2
    '[child]', // 3
    'h1 ansible_host=10.0.0.1 host_inline=h', // 4
    'h2', // 5
    '[all:vars]', // 6
    'all_inline=1', // 7
    '[parent:vars]', // 8
    'parent_inline=p', // 9
    '[child:vars]', // 10
    'parent_inline=c', // 11
    '',
  ].join('\n');

  it('names the inline line in the inventory file, the group over its parent, then group_vars over inline', () => {
    const dir = writeTree({ 'hosts.ini': ini });
    const inv = Inventory.load([join(dir, 'hosts.ini')]);
    const hosts = join(dir, 'hosts.ini');
    expect(inv.varOrigin('h1', 'ansible_host')).to.deep.include({ file: hosts, line: 4, col: 4 });
    expect(inv.varOrigin('h1', 'host_inline')).to.deep.include({ file: hosts, line: 4 });
    expect(inv.varOrigin('h1', 'all_inline')).to.deep.include({ file: hosts, line: 7 });
    expect(inv.varOrigin('h1', 'parent_inline')).to.deep.include({ file: hosts, line: 11 });
    expect(inv.varOrigin('h1', 'nowhere')).to.equal(undefined);
    expect(inv.varOrigin('nosuchhost', 'all_inline')).to.equal(undefined);
  });

  it('picks the winning file of a group_vars/all directory, the group over all, host_vars over all', () => {
    const dir = writeTree({
      'hosts.ini': ini,
      'group_vars/all/10-a.yml': 'x: a\ny: a\nz: a\n',
      'group_vars/all/20-b.yml': '# b\n\nx: b\n',
      'group_vars/child.yml': '---\ny: child\n',
      'group_vars/parent.yml': 'y: parent\nparent_inline: file\n',
      'host_vars/h2.yml': 'z: h2\n',
    });
    const inv = Inventory.load([join(dir, 'hosts.ini')]);
    expect(inv.hostVars('h1')['x']).to.equal('b');
    expect(inv.varOrigin('h1', 'x')).to.deep.include({ file: join(dir, 'group_vars/all/20-b.yml'), line: 3 });
    expect(inv.varOrigin('h1', 'y')).to.deep.include({ file: join(dir, 'group_vars/child.yml'), line: 2 });
    // a group_vars file ranks above every inline group var
    expect(inv.varOrigin('h1', 'parent_inline')).to.deep.include({ file: join(dir, 'group_vars/parent.yml'), line: 2 });
    expect(inv.varOrigin('h1', 'z')).to.deep.include({ file: join(dir, 'group_vars/all/10-a.yml'), line: 3 });
    expect(inv.varOrigin('h2', 'z')).to.deep.include({ file: join(dir, 'host_vars/h2.yml'), line: 1 });
  });

  it('ranks the playbook directory above the inventory, and knows YAML inventories and several sources', () => {
    const dir = writeTree({
      'inv/hosts.yml': 'all:\n  vars:\n    v: all\n  children:\n    web:\n      hosts:\n        w1:\n          own: 1\n      vars:\n        v: web\n',
      'inv/group_vars/web.yml': 'g: inv\n',
      'inv2/hosts.ini': '[web]\nw1\n',
      'inv2/group_vars/web.yml': 'g: inv2\n',
      'pb/group_vars/all.yml': 'p: all\n',
      'pb/group_vars/web.yml': 'p: web\n',
    });
    const inv = Inventory.load([join(dir, 'inv/hosts.yml'), join(dir, 'inv2/hosts.ini')], { playbookDir: join(dir, 'pb') });
    expect(inv.varOrigin('w1', 'own')).to.deep.include({ file: join(dir, 'inv/hosts.yml'), line: 8 });
    expect(inv.varOrigin('w1', 'v')).to.deep.include({ file: join(dir, 'inv/hosts.yml'), line: 10 });
    expect(inv.varOrigin('w1', 'g')).to.deep.include({ file: join(dir, 'inv2/group_vars/web.yml'), line: 1 });
    expect(inv.varOrigin('w1', 'p')).to.deep.include({ file: join(dir, 'pb/group_vars/web.yml'), line: 1 });
  });

  it('finds a location for every inventory variable of every host', () => {
    const dir = writeTree({
      'hosts.ini': ini,
      'group_vars/all/10-a.yml': 'x: a\ny: a\n',
      'group_vars/all/20-b.yml': 'x: b\n',
      'group_vars/parent.yml': 'y: parent\n',
      'host_vars/h1.yml': 'host_inline: file\n',
    });
    const inv = Inventory.load([join(dir, 'hosts.ini')]);
    for (const h of inv.hosts()) {
      for (const k of Object.keys(inv.hostVars(h))) {
        const loc = inv.varOrigin(h, k);
        if (k === 'inventory_file' || k === 'inventory_dir') continue;
        expect(loc, `${h} ${k}`).to.not.equal(undefined);
      }
    }
    expect(inv.varOrigin('h1', 'host_inline')).to.deep.include({ file: join(dir, 'host_vars/h1.yml'), line: 1 });
  });
});
