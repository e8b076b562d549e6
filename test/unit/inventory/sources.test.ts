import { expect } from 'chai';
import { KplayErrors } from '../../../engine/errors.ts';
import { Inventory } from '../../../engine/inventory/index.ts';
import { writeTree } from './tree.ts';

describe('inventory: sources', () => {
  it('reads a directory: every file in name order, skipping what Ansible skips', () => {
    const dir = writeTree({
      '01-hosts.ini': '[web]\nweb1\n',
      '02-more.yml': 'db:\n  hosts:\n    db1:\n',
      'sub/03.ini': '[web]\nweb2\n',
      'README.md': '# not an inventory [web]\n',
      'notes.txt': 'garbage =\n',
      'old.retry': 'garbage\n',
      '.hidden': 'garbage =\n',
      'ansible.cfg': '[defaults]\nx\n',
      'group_vars/web.yml': 'role: web\n',
    });
    const inv = Inventory.load([dir]);
    expect(inv.hosts()).to.deep.equal(['web1', 'db1', 'web2']);
    expect(inv.hostVars('web2')['role']).to.equal('web');
  });

  it('a directory skips what kplay keeps beside an inventory: known_hosts, the pki and credentials dirs', () => {
    const dir = writeTree({
      'inventory.ini': '[kube_control_plane]\ncp1\n',
      known_hosts: 'cp1,192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlFT1DGZFjAP72567ce2m8cqvTiSs6rUmvTDBC3IZSc\n',
      'pki/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'credentials/admin.conf': 'apiVersion: v1\nkind: Config\n',
    });
    expect(Inventory.load([dir]).hosts()).to.deep.equal(['cp1']);
  });

  it('merges several -i sources, each with its own group_vars', () => {
    const a = writeTree({ 'hosts.ini': '[web]\nweb1\n', 'group_vars/web.yml': 'a: 1\nshared: a\n' });
    const b = writeTree({ 'hosts.ini': '[web]\nweb2\n[db]\ndb1\n', 'group_vars/web.yml': 'b: 2\nshared: b\n' });
    const inv = Inventory.load([`${a}/hosts.ini`, `${b}/hosts.ini`]);
    expect(inv.groups()['web']).to.deep.equal(['web1', 'web2']);
    // Each source's group_vars apply to the group wherever its hosts came from; later sources win.
    expect(inv.hostVars('web1')).to.include({ a: 1, b: 2, shared: 'b' });
    expect(inv.hostVars('web1')['inventory_dir']).to.equal(a);
    expect(inv.hostVars('web2')['inventory_dir']).to.equal(b);
  });

  it('reads a comma-separated host list (with ports) into ungrouped', () => {
    const inv = Inventory.load(['h1,h2:2222,']);
    expect(inv.hosts()).to.deep.equal(['h1', 'h2']);
    expect(inv.groups()['ungrouped']).to.deep.equal(['h1', 'h2']);
    expect(inv.hostVars('h2')['ansible_port']).to.equal(2222);
    expect(Inventory.load(['single,']).hosts()).to.deep.equal(['single']);
  });

  it('refuses a source that does not exist', () => {
    try {
      Inventory.load(['/nonexistent/inventory']);
      expect.fail('should throw');
    } catch (err) {
      expect((err as KplayErrors).errors[0]!.code).to.equal('KPLAY_FILE_NOT_FOUND');
    }
  });

  it('loads an empty source list (only the implicit localhost is reachable)', () => {
    const inv = Inventory.load([]);
    expect(inv.hosts()).to.deep.equal([]);
    expect(inv.match('all')).to.deep.equal([]);
    expect(inv.match('localhost')).to.deep.equal(['localhost']);
  });
});

describe('inventory: groups() is shared and frozen', () => {
  it('returns the same frozen view each time', () => {
    const inv = Inventory.load(['a,b,']);
    const g = inv.groups();
    expect(inv.groups()).to.equal(g);
    expect(() => g['all']!.push('x')).to.throw(TypeError);
    expect(() => {
      g['new'] = [];
    }).to.throw(TypeError);
    expect(inv.groups()['all']).to.deep.equal(['a', 'b']);
  });
});

describe('inventory: inventoryDirs()', () => {
  it('lists a directory source itself and the directory of a file source, in -i order, without host lists', () => {
    const a = writeTree({ 'hosts': '[g]\nh1\n' });
    const b = writeTree({ 'inv.yml': 'g:\n  hosts:\n    h2:\n' });
    expect(Inventory.load([`${a}/hosts`, 'x,', b]).inventoryDirs()).to.deep.equal([a, b]);
    expect(Inventory.load(['x,']).inventoryDirs()).to.deep.equal([]);
  });
});
