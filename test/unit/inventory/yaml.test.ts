import { expect } from 'chai';
import { KplayErrors } from '../../../engine/errors.ts';
import { Inventory } from '../../../engine/inventory/index.ts';
import { writeTree } from './tree.ts';

describe('inventory: YAML format', () => {
  it('reads all/hosts/children/vars with the same semantics as INI', () => {
    const dir = writeTree({
      'hosts.yml': `
all:
  vars:
    ntp: true
  hosts:
    bastion:
      ansible_host: 198.18.0.2
  children:
    kube_control_plane:
      hosts:
        cp[1:2]:
          etcd: yes
    kube_node:
      hosts:
        w1:2222:
        w2: {ip: 10.0.0.22}
      vars:
        role: worker
    k8s_cluster:
      children:
        kube_control_plane:
        kube_node:
`,
    });
    const inv = Inventory.load([`${dir}/hosts.yml`]);
    expect(inv.hosts()).to.deep.equal(['bastion', 'cp1', 'cp2', 'w1', 'w2']);
    expect(inv.groups()['k8s_cluster']).to.deep.equal(['cp1', 'cp2', 'w1', 'w2']);
    expect(inv.groups()['ungrouped']).to.deep.equal(['bastion']);
    expect(inv.hostVars('cp2')).to.include({ etcd: true, ntp: true });
    expect(inv.hostVars('w1')).to.include({ ansible_port: 2222, role: 'worker' });
    expect(inv.hostVars('w2')).to.include({ ip: '10.0.0.22' });
    expect(inv.groupNames('w1')).to.deep.equal(['k8s_cluster', 'kube_node']);
  });

  it('detects YAML in a file without extension', () => {
    const dir = writeTree({ hosts: 'web:\n  hosts:\n    h1:\n' });
    expect(Inventory.load([`${dir}/hosts`]).groups()['web']).to.deep.equal(['h1']);
  });

  it('reports a list of hosts, a bad range and bad YAML with their lines', () => {
    const dir = writeTree({
      'a.yml': 'web:\n  hosts:\n    - h1\n',
      'b.yaml': 'web:\n  hosts:\n    h[5:1]:\n',
      'c.yml': 'web:\n  hosts: {\n',
    });
    try {
      Inventory.load([dir]);
      expect.fail('should throw');
    } catch (err) {
      const errors = (err as KplayErrors).errors;
      expect(errors.map((e) => [e.loc?.file.replace(/.*\//, ''), e.loc?.line])).to.deep.equal([
        ['a.yml', 3],
        ['b.yaml', 3],
        ['c.yml', 3],
      ]);
      expect(errors[0]!.message).to.match(/must be a mapping, found a list/);
      expect(errors[2]!.code).to.equal('KPLAY_YAML');
    }
  });

  it('warns about unexpected group keys and skips them', () => {
    const dir = writeTree({ 'h.yml': 'web:\n  host:\n    h1:\n  hosts:\n    h2:\n' });
    const inv = Inventory.load([`${dir}/h.yml`]);
    expect(inv.hosts()).to.deep.equal(['h2']);
    expect(inv.warnings[0]!.message).to.match(/unexpected key "host"/);
    expect(inv.warnings[0]!.loc).to.include({ line: 2 });
  });
});
