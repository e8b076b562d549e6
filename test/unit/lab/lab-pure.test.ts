/** The pure parts of `kplay lab`: no root, no hosts. */
import { expect } from 'chai';
import { parseDeb822Sources, parseOneLineSources, pickMirror } from '../../../engine/lab/mirror.ts';
import { mountsUnder } from '../../../engine/lab/mounts.ts';
import { allocateK, type LabRecord } from '../../../engine/lab/registry.ts';
import { clusterLayout, renderInventory, renderKnownHosts } from '../../../engine/lab/inventory.ts';
import { Inventory } from '../../../engine/inventory/index.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function writeTemp(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'kplay-labinv-')), 'inventory.ini');
  writeFileSync(f, text);
  return f;
}
import { parseLabArgs } from '../../../engine/lab/command.ts';
import { nspawnArgv } from '../../../engine/lab/host.ts';
import * as n from '../../../engine/lab/names.ts';
import { imageKey, PACKAGES } from '../../../engine/lab/image-spec.ts';

describe('lab: apt sources → mirror', () => {
  it('reads deb822 stanzas and skips -security, disabled and deb-src', () => {
    const text = [
      'Types: deb-src', 'URIs: http://src.example/debian', 'Suites: bookworm', 'Components: main', '',
      'Types: deb', 'URIs: http://off.example/debian', 'Suites: bookworm', 'Components: main', 'Enabled: no', '',
      'Types: deb', '# a comment', 'URIs: http://mirror.example/debian', 'Suites: bookworm bookworm-updates', 'Components: main contrib', '',
      'Types: deb', 'URIs: http://mirror.example/debian-security', 'Suites: bookworm-security', 'Components: main',
    ].join('\n');
    const sources = parseDeb822Sources(text);
    expect(sources.map((s) => s.uri)).to.deep.equal(['http://mirror.example/debian', 'http://mirror.example/debian-security']);
    expect(pickMirror(sources, 'bookworm')).to.equal('http://mirror.example/debian');
  });

  it('reads one-line sources with options and comments', () => {
    const text = '# deb http://old.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\ndeb http://other.example/apt stable main\n';
    const sources = parseOneLineSources(text);
    expect(sources).to.deep.equal([
      { uri: 'http://m.example/debian', suites: ['bookworm'], components: ['main'] },
      { uri: 'http://other.example/apt', suites: ['stable'], components: ['main'] },
    ]);
    expect(pickMirror(sources, 'bookworm')).to.equal('http://m.example/debian');
    expect(pickMirror(sources, 'trixie')).to.equal(undefined);
  });
});

describe('lab: mounts', () => {
  const info = [
    '22 1 254:0 / / rw - ext4 /dev/vda rw',
    '90 22 0:50 / /run/kplay/labs/a/hosts/h1/root rw - overlay overlay rw',
    '91 90 0:51 / /run/kplay/labs/a/hosts/h1/root/proc rw - proc proc rw',
    '92 22 0:52 / /run/kplay/labs/ab/hosts/h1/root rw - overlay overlay rw',
    '93 22 0:53 / /tmp/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  it('lists what is mounted below a directory, deepest first, not its siblings', () => {
    expect(mountsUnder('/run/kplay/labs/a', info)).to.deep.equal(['/run/kplay/labs/a/hosts/h1/root/proc', '/run/kplay/labs/a/hosts/h1/root']);
  });
  it('decodes the octal escapes of mountinfo', () => {
    expect(mountsUnder('/tmp/with space', info)).to.deep.equal(['/tmp/with space']);
  });
});

describe('lab: names and subnets', () => {
  const rec = (name: string, k: number): LabRecord => ({ name, k, dir: '', hosts: 1, image: '', owner: null, createdAt: '' });
  it('allocates the smallest K no lab holds and no route covers', () => {
    expect(allocateK([], new Set())).to.equal(1);
    expect(allocateK([rec('a', 1), rec('b', 3)], new Set(['198.18.2.0/24']))).to.equal(4);
    const all = Array.from({ length: 254 }, (_, j) => rec(`l${j}`, j + 1));
    expect(allocateK(all, new Set())).to.equal(undefined);
  });
  it('keeps interface names within 15 bytes for the largest K and host index', () => {
    for (const name of [n.hostVeth(254, n.MAX_HOSTS), n.controllerVeth(254), n.controllerPeerVeth(254)]) expect(name.length).to.be.at.most(15);
    expect(n.hostAddress(254, n.MAX_HOSTS)).to.equal('198.18.254.253');
  });
  it('refuses lab names that do not fit hostnames, netns and cgroup paths', () => {
    for (const bad of ['', 'Lab', 'a_b', '-x', 'a/b', 'x'.repeat(25)]) expect(() => n.checkLabName(bad), bad).to.throw(/bad lab name/);
    expect(n.checkLabName('cluster-1')).to.equal('cluster-1');
  });
});

describe('lab: files for the user', () => {
  const hosts = [
    { name: 'kplay-lab-h1', address: '198.18.1.11' },
    { name: 'kplay-lab-h2', address: '198.18.1.12' },
  ];
  it('writes an INI inventory with every variable on the host line', () => {
    const ini = renderInventory('lab', '198.18.1.0/24', hosts, '/run/kplay/labs/lab/id_ed25519', '/run/kplay/labs/lab/known_hosts');
    expect(ini.split('\n').filter((l) => !l.startsWith('#'))).to.deep.equal([
      '[lab]',
      'kplay-lab-h1 ansible_host=198.18.1.11 ansible_user=root ansible_ssh_private_key_file=/run/kplay/labs/lab/id_ed25519',
      'kplay-lab-h2 ansible_host=198.18.1.12 ansible_user=root ansible_ssh_private_key_file=/run/kplay/labs/lab/id_ed25519',
      '',
    ]);
  });
  it('a --kubernetes lab also puts its hosts in Kubespray\'s groups: 3 control planes and an lb pair from 4 hosts on', () => {
    const five = [1, 2, 3, 4, 5].map((i) => ({ name: `h${i}`, address: `198.18.1.${10 + i}` }));
    const ini = renderInventory('lab', '198.18.1.0/24', five, '/k', '/kh', true);
    const inv = Inventory.load([writeTemp(ini)]);
    expect(inv.groups()['kube_control_plane']).to.deep.equal(['h1', 'h2', 'h3']);
    expect(inv.groups()['etcd']).to.deep.equal(['h1', 'h2', 'h3']);
    expect(inv.groups()['kube_node']).to.deep.equal(['h4', 'h5']);
    expect(inv.groups()['lb']).to.deep.equal(['h1', 'h2']);
    expect(inv.groups()['k8s_cluster']).to.have.length(5);
    expect(inv.hostVars('h1')).to.include({ keepalived_state: 'MASTER' });
    expect(clusterLayout(five.slice(0, 3))).to.deep.include({ controlPlanes: [five[0]], lb: [] });
    expect(clusterLayout(five.slice(0, 1))).to.deep.equal({ controlPlanes: [five[0]], nodes: [five[0]], lb: [] });
  });
  it('writes known_hosts under name and address, without the key comment', () => {
    const kh = renderKnownHosts([{ ...hosts[0]!, hostKey: 'ssh-ed25519 AAAAkey root@kplay-lab-h1' }]);
    expect(kh).to.equal('kplay-lab-h1,198.18.1.11 ssh-ed25519 AAAAkey\n');
  });
});

describe('lab: systemd-nspawn command line', () => {
  it('uses exactly the flags measured in docs/lab.md', () => {
    expect(nspawnArgv({ lab: 'x', i: 2, dir: '/run/kplay/labs/x' })).to.deep.equal([
      'systemd-nspawn', '-q', '-D', '/run/kplay/labs/x/hosts/h2/root', '--boot',
      '--register=no', '--keep-unit', '--machine=kplay-x-h2', '--hostname=kplay-x-h2',
      '--network-namespace-path=/run/netns/kplay-x-h2',
      '--capability=CAP_NET_ADMIN,CAP_NET_RAW', '--console=passive',
    ]);
  });
});

describe('lab: image key', () => {
  it('is stable and names the suite', () => {
    expect(imageKey()).to.match(/^bookworm-[0-9a-f]{16}$/);
    expect(imageKey()).to.equal(imageKey());
    expect(PACKAGES).to.include.members(['systemd', 'openssh-server', 'etcd-server', 'containerd']);
  });
});

describe('lab: command-line options', () => {
  it('parses commands, values and flags', () => {
    expect(parseLabArgs(['up', '3', '--name', 'c1', '--dir=/tmp/x'])).to.deep.equal({ cmd: 'up', args: ['3'], name: 'c1', dir: '/tmp/x', all: false, help: false, kubernetes: false });
    expect(parseLabArgs(['up', '4', '--kubernetes'])).to.include({ cmd: 'up', kubernetes: true });
    expect(parseLabArgs(['down', '--all'])).to.include({ cmd: 'down', all: true });
  });
  it('reports unknown options and missing values', () => {
    expect(parseLabArgs(['up', '--nope'])).to.equal('unknown option --nope');
    expect(parseLabArgs(['up', '--name'])).to.equal('--name needs a value');
  });
});
