import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { Inventory } from '../../../engine/inventory/index.ts';

const fixture = fileURLToPath(new URL('../../fixtures/inventory/kubespray/', import.meta.url));

describe('inventory: a Kubespray-shaped inventory loads unchanged', () => {
  for (const source of ['inventory.ini', '']) {
    describe(source ? 'given the file' : 'given the directory', () => {
      const inv = Inventory.load([fixture + source]);

      it('has the Kubespray groups, children resolved, in inventory order', () => {
        const g = inv.groups();
        expect(g['kube_control_plane']).to.deep.equal(['cp1', 'cp2', 'cp3']);
        expect(g['etcd']).to.deep.equal(['cp1', 'cp2', 'cp3']);
        expect(g['kube_node']).to.deep.equal(['node1', 'node2', 'node3']);
        expect(g['k8s_cluster']).to.deep.equal(['cp1', 'cp2', 'cp3', 'node1', 'node2', 'node3']);
        expect(g['calico_rr']).to.deep.equal([]);
        expect(g['lb']).to.deep.equal(['cp1', 'cp2', 'cp3']);
        expect(inv.warnings).to.have.length(0);
      });

      it('resolves the patterns roles use', () => {
        expect(inv.match('kube_control_plane[0]')).to.deep.equal(['cp1']);
        expect(inv.match('k8s_cluster:!kube_control_plane')).to.deep.equal(['node1', 'node2', 'node3']);
        expect(inv.match('etcd:k8s_cluster:calico_rr')).to.have.length(6);
        expect(inv.groupNames('cp1')).to.deep.equal(['etcd', 'k8s_cluster', 'kube_control_plane', 'lb']);
      });

      it('merges group_vars/all/*.yml, group_vars/k8s_cluster/*.yml, group_vars/etcd.yml and host_vars', () => {
        const cp1 = inv.hostVars('cp1');
        expect(cp1).to.deep.include({
          ansible_host: '198.18.0.11',
          ip: '10.10.0.11',
          etcd_member_name: 'etcd1',
          keepalived_priority: 101,
          loadbalancer_apiserver: { address: '10.10.0.10', port: 8443 },
          etcd_data_dir: '/var/lib/etcd',
          etcd_heartbeat_interval: 250,
          kube_version: '1.35.0',
          flannel_backend_type: 'vxlan',
          ansible_user: 'debian',
        });
        // group_vars/k8s_cluster beats group_vars/all (ntp) and the inline [k8s_cluster:vars].
        expect(cp1['ntp_enabled']).to.equal(false);
        expect(cp1['kube_network_plugin']).to.equal('flannel');
        // Templates stay raw: rendering is the template engine's job.
        expect(cp1['kube_cert_dir']).to.equal('{{ kube_config_dir }}/ssl');

        expect(inv.hostVars('node1')['ansible_user']).to.equal('ubuntu');
        expect(inv.hostVars('node1')).not.to.have.property('etcd_heartbeat_interval');
        expect(inv.hostVars('node3')).to.deep.include({ ansible_user: 'admin', node_labels: { role: 'ingress' } });
      });
    });
  }

  it('renders --graph and --list', () => {
    const inv = Inventory.load([fixture]);
    const graph = inv.toGraph();
    expect(graph.split('\n').slice(0, 6)).to.deep.equal([
      '@all:',
      '  |--@etcd:',
      '  |  |--@kube_control_plane:',
      '  |  |  |--cp1',
      '  |  |  |--cp2',
      '  |  |  |--cp3',
    ]);
    expect(graph).to.contain('  |--@ungrouped:');
    const list = inv.toList() as Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, object> } };
    expect(list['etcd']).to.deep.equal({ children: ['kube_control_plane'] });
    expect(list['kube_node']).to.deep.equal({ hosts: ['node1', 'node2', 'node3'] });
    expect(list['all']!.children).to.include.members(['etcd', 'k8s_cluster', 'lb', 'ungrouped']);
    expect(Object.keys(list._meta.hostvars)).to.have.length(6);
    expect(inv.hostJson('cp2')).to.include({ ip: '10.10.0.12' });
  });
});

describe('inventory: a Kubespray hosts.yaml (inventory builder shape)', () => {
  const inv = Inventory.load([fileURLToPath(new URL('../../fixtures/inventory/kubespray-yaml/hosts.yaml', import.meta.url))]);
  it('has the groups, no ungrouped hosts, and the vars of all.hosts', () => {
    const g = inv.groups();
    expect(g['kube_control_plane']).to.deep.equal(['node1', 'node2']);
    expect(g['etcd']).to.deep.equal(['node1', 'node2', 'node3']);
    expect(g['k8s_cluster']).to.deep.equal(['node1', 'node2', 'node3']);
    expect(g['calico_rr']).to.deep.equal([]);
    expect(g['ungrouped']).to.deep.equal([]);
    expect(inv.hostVars('node3')).to.include({ ansible_host: '198.18.0.33', access_ip: '10.3.0.3', kube_network_plugin: 'calico' });
    expect(inv.groupNames('node1')).to.deep.equal(['etcd', 'k8s_cluster', 'kube_control_plane', 'kube_node']);
  });
});
