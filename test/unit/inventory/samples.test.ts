import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { Inventory } from '../../../engine/inventory/index.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

describe('inventory: the sample inventories shipped in inventory/', () => {
  it('inventory/localhost: just localhost, local connection', () => {
    const inv = Inventory.load([`${repo}inventory/localhost/`]);
    expect(inv.match('all')).to.deep.equal(['localhost']);
    expect(inv.hostVars('localhost')['ansible_connection']).to.equal('local');
    expect(inv.warnings).to.deep.equal([]);
  });

  it('inventory/ha: 3 control planes + etcd, 2 nodes, lb on a pair of the CP hosts with a VIP, lab addresses', () => {
    const inv = Inventory.load([`${repo}inventory/ha/`]);
    const g = inv.groups();
    expect(g['kube_control_plane']).to.deep.equal(['cp1', 'cp2', 'cp3']);
    expect(g['etcd']).to.deep.equal(['cp1', 'cp2', 'cp3']);
    expect(g['kube_node']).to.deep.equal(['node1', 'node2']);
    expect(g['lb']).to.deep.equal(['cp1', 'cp2']);
    expect(g['k8s_cluster']).to.have.length(5);
    expect(inv.warnings).to.deep.equal([]);
    for (const h of inv.hosts()) expect(inv.hostVars(h)['ansible_host']).to.match(/^198\.1[89]\./);
    expect(inv.hostVars('node1')).to.deep.include({ loadbalancer_apiserver: { address: '198.18.0.10', port: 8443 }, kube_network_plugin: 'flannel' });
    expect(inv.hostVars('cp1')).to.include({ keepalived_state: 'MASTER', etcd_member_name: 'etcd1' });
  });

  it('inventory/sample: 1 control plane with etcd, 2 nodes, no VIP', () => {
    const inv = Inventory.load([`${repo}inventory/sample/`]);
    const g = inv.groups();
    expect(g['kube_control_plane']).to.deep.equal(['cp1']);
    expect(g['etcd']).to.deep.equal(['cp1']);
    expect(g['kube_node']).to.deep.equal(['node1', 'node2']);
    expect(g['lb']).to.deep.equal([]);
    expect(g['k8s_cluster']).to.have.length(3);
    expect(inv.warnings).to.deep.equal([]);
    expect(inv.hostVars('node1')['loadbalancer_apiserver']).to.equal(undefined);
  });

  it('kplay.yml group rules: legacy Kubespray group names join the canonical groups; k8s_cluster is computed when not declared', () => {
    const inv = Inventory.load([`${repo}test/fixtures/inventory/legacy-groups.ini`], {
      groupRules: { aliases: { 'kube-master': 'kube_control_plane', 'kube-node': 'kube_node' }, computed: { k8s_cluster: ['kube_control_plane', 'kube_node', 'calico_rr'] } },
    });
    const g = inv.groups();
    expect(g['kube_control_plane']).to.deep.equal(['m1']);
    expect(g['kube_node']).to.deep.equal(['n1', 'n2']);
    expect(g['k8s_cluster']).to.deep.equal(['m1', 'n1', 'n2']);
    expect(inv.groupNames('n1')).to.deep.equal(['k8s_cluster', 'kube-node', 'kube_node']);
  });
});
