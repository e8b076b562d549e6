/** The files a user (or a test) points kplay at: inventory.ini and, beside it, known_hosts. */

export interface LabHost {
  name: string;
  address: string;
}

/**
 * Every variable on the host line (no group vars), so the file reads the same to any INI
 * inventory parser. known_hosts sits beside it, where `kplay run` looks first.
 */
export function renderInventory(lab: string, subnet: string, hosts: readonly LabHost[], keyPath: string, knownHostsPath: string, cluster = false): string {
  const lines = [
    `# kplay lab "${lab}": ${hosts.length} host(s) on ${subnet}, written by \`kplay lab up\`.`,
    `# Host keys: ${knownHostsPath}. Users: root, kplay (sudo without password), kplaypw (sudo with a password).`,
    '[lab]',
    ...hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_user=root ansible_ssh_private_key_file=${keyPath}`),
    '',
  ];
  if (cluster) lines.push(...renderClusterGroups(hosts));
  return lines.join('\n');
}

/**
 * Where a --kubernetes lab's hosts go in Kubespray's groups: one host is a schedulable control
 * plane; up to 3 hosts, one control plane and the rest nodes; from 4 on, 3 control planes with
 * etcd, the first two the lb pair (the VIP is the subnet's .10, in group_vars), the rest nodes.
 */
export function clusterLayout(hosts: readonly LabHost[]): { controlPlanes: LabHost[]; nodes: LabHost[]; lb: LabHost[] } {
  if (hosts.length === 1) return { controlPlanes: [...hosts], nodes: [...hosts], lb: [] };
  const cps = hosts.length >= 4 ? 3 : 1;
  return { controlPlanes: hosts.slice(0, cps), nodes: hosts.slice(cps), lb: cps > 1 ? hosts.slice(0, 2) : [] };
}

function renderClusterGroups(hosts: readonly LabHost[]): string[] {
  const { controlPlanes, nodes, lb } = clusterLayout(hosts);
  return [
    '# The same hosts in Kubespray\'s groups, for site.yml (kplay lab up --kubernetes).',
    '[kube_control_plane]', ...controlPlanes.map((h) => h.name), '',
    '[etcd:children]', 'kube_control_plane', '',
    '[kube_node]', ...nodes.map((h) => h.name), '',
    '[lb]', ...lb.map((h, i) => (i === 0 ? `${h.name} keepalived_state=MASTER keepalived_priority=101` : h.name)), '',
    '[k8s_cluster:children]', 'kube_control_plane', 'kube_node', '',
  ];
}

/** One line per host, under both its name and its address, so either way of connecting is checked. */
export function renderKnownHosts(hosts: readonly (LabHost & { hostKey: string })[]): string {
  return hosts.map((h) => `${h.name},${h.address} ${h.hostKey.split(' ').slice(0, 2).join(' ')}\n`).join('');
}
