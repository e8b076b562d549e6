/** The files a user (or a test) points kplay at: inventory.ini and, beside it, known_hosts. */

export interface LabHost {
  name: string;
  address: string;
}

/**
 * Every variable on the host line (no group vars), so the file reads the same to any INI
 * inventory parser. known_hosts sits beside it, where `kplay run` looks first.
 */
export function renderInventory(lab: string, subnet: string, hosts: readonly LabHost[], keyPath: string, knownHostsPath: string): string {
  return [
    `# kplay lab "${lab}": ${hosts.length} host(s) on ${subnet}, written by \`kplay lab up\`.`,
    `# Host keys: ${knownHostsPath}. Users: root, kplay (sudo without password), kplaypw (sudo with a password).`,
    '[lab]',
    ...hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_user=root ansible_ssh_private_key_file=${keyPath}`),
    '',
  ].join('\n');
}

/** One line per host, under both its name and its address, so either way of connecting is checked. */
export function renderKnownHosts(hosts: readonly (LabHost & { hostKey: string })[]): string {
  return hosts.map((h) => `${h.name},${h.address} ${h.hostKey.split(' ').slice(0, 2).join(' ')}\n`).join('');
}
