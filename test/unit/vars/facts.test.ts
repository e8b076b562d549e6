import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FACTS_SCRIPT, parseFacts, splitSections } from '../../../engine/vars/facts.ts';
import { formatIpv6, parseDefaultRoute, parseIpAddr, parseProcRoute, procDefaultRoute } from '../../../engine/vars/facts-network.ts';
import { parseOsRelease } from '../../../engine/vars/facts-distro.ts';

const dir = fileURLToPath(new URL('../../fixtures/inventory/facts/', import.meta.url));
const fixture = (name: string): string => readFileSync(dir + name, 'utf8');

describe('facts: parseFacts on fixtures', () => {
  it('Debian 12 container (iproute2)', () => {
    const f = parseFacts(fixture('debian12-container.txt'));
    expect(f).to.include({
      ansible_system: 'Linux',
      ansible_hostname: 'vm',
      ansible_fqdn: 'vm',
      ansible_distribution: 'Debian',
      ansible_distribution_version: '12.11',
      ansible_distribution_major_version: '12',
      ansible_distribution_release: 'bookworm',
      ansible_os_family: 'Debian',
      ansible_architecture: 'x86_64',
      ansible_machine: 'x86_64',
      ansible_pkg_mgr: 'apt',
      ansible_service_mgr: 'service', // PID 1 is not an init system in this container
      ansible_init: 'other',
      ansible_processor_vcpus: 2,
      ansible_processor_count: 1,
      ansible_processor_cores: 2,
      ansible_user_id: 'root',
      ansible_user_uid: 0,
    });
    expect(f.ansible_default_ipv4).to.deep.equal({
      interface: 'eth0',
      gateway: '192.0.2.1',
      address: '192.0.2.2',
      netmask: '255.255.255.0',
      network: '192.0.2.0',
      prefix: 24,
      macaddress: '02:fc:00:00:00:01',
      mtu: 1400,
    });
    expect(f.ansible_default_ipv6).to.include({ interface: 'eth0', gateway: 'fd00::1', address: 'fd00::2' });
    expect(f.ansible_all_ipv4_addresses).to.deep.equal(['192.0.2.2']);
    expect(f.ansible_all_ipv6_addresses).to.include('fd00::2').and.not.include('::1');
    expect(f.ansible_memtotal_mb).to.be.greaterThan(0);
    expect(f.ansible_env).to.include({ HOME: '/root' });
    expect(f.ansible_env).to.have.property('PATH');
    expect(f.ansible_interfaces).to.include.members(['eth0', 'lo']);
    expect(f['ansible_eth0']).to.deep.include({ device: 'eth0', active: true, mtu: 1400 });
    expect(f.ansible_selinux).to.deep.equal({ status: 'disabled' });
    // iso8601 is what `date -u` printed on that machine (a second date run until the epoch gave it)
    expect(f.ansible_date_time).to.include({ tz: 'UTC', tz_offset: '+0000', epoch: '1795308373', iso8601: '2026-11-22T00:46:13Z', date: '2026-11-22', time: '00:46:13' });
  });

  it('the same machine without `ip` gives the same IPv4 facts from /proc/net', () => {
    const withIp = parseFacts(fixture('debian12-container.txt'));
    const noIp = parseFacts(fixture('debian12-no-ip.txt'));
    expect(noIp.ansible_default_ipv4).to.deep.equal(withIp.ansible_default_ipv4);
    expect(noIp.ansible_all_ipv4_addresses).to.deep.equal(withIp.ansible_all_ipv4_addresses);
  });

  it('with no tools at all on PATH it still parses, from shell builtins and /proc', () => {
    const f = parseFacts(fixture('debian12-no-tools.txt'));
    expect(f).to.include({ ansible_distribution: 'Debian', ansible_hostname: 'vm', ansible_pkg_mgr: 'unknown' });
    expect(f.ansible_memtotal_mb).to.be.greaterThan(0);
    expect(f.ansible_default_ipv4).to.include({ address: '192.0.2.2', gateway: '192.0.2.1' });
  });

  it('Alpine 3.20 (synthetic, no iproute2: /proc fallback with IPv6 from if_inet6)', () => {
    const f = parseFacts(fixture('alpine320-synthetic.txt'));
    expect(f).to.include({
      ansible_distribution: 'Alpine',
      ansible_distribution_version: '3.20.3',
      ansible_distribution_major_version: '3',
      ansible_os_family: 'Alpine',
      ansible_pkg_mgr: 'apk',
      ansible_service_mgr: 'openrc',
      ansible_init: 'openrc',
      ansible_architecture: 'aarch64',
      ansible_hostname: 'alp1',
      ansible_fqdn: 'alp1.lab.example',
      ansible_domain: 'lab.example',
      ansible_memtotal_mb: 1966,
      ansible_memfree_mb: 1612,
      ansible_swaptotal_mb: 511,
      ansible_processor_vcpus: 2,
      ansible_processor_count: 2,
      ansible_user_id: 'alpine',
    });
    expect(f.ansible_default_ipv4).to.deep.equal({
      interface: 'eth0',
      gateway: '198.18.1.1',
      address: '198.18.1.5',
      netmask: '255.255.255.0',
      network: '198.18.1.0',
      prefix: 24,
      macaddress: '52:54:00:12:34:56',
      mtu: 1500,
    });
    expect(f.ansible_all_ipv6_addresses).to.deep.equal(['fe80::5054:ff:fe12:3456', '2001:db8:0:1::5']);
    expect(f.ansible_env).to.deep.equal({
      HOME: '/home/alpine',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      USER: 'alpine',
      LOGNAME: 'alpine',
      SHELL: '/bin/ash',
      PWD: '/home/alpine',
    });
    expect(f.ansible_date_time).to.include({ tz: 'CET', tz_offset: '+0100', hour: '23', weekday: 'Saturday', epoch: '1795301998', iso8601: '2026-11-21T22:59:58Z' });
  });

  it('Rocky 9.4 (synthetic: systemd, SELinux, 2 sockets, two default routes, a secondary address)', () => {
    const f = parseFacts(fixture('rocky94-synthetic.txt'));
    expect(f).to.include({
      ansible_distribution: 'Rocky',
      ansible_distribution_version: '9.4',
      ansible_distribution_major_version: '9',
      ansible_distribution_release: 'Blue Onyx',
      ansible_os_family: 'RedHat',
      ansible_pkg_mgr: 'dnf',
      ansible_service_mgr: 'systemd',
      ansible_init: 'systemd',
      ansible_hostname: 'cp1',
      ansible_nodename: 'cp1.k8s.example.internal',
      ansible_fqdn: 'cp1.k8s.example.internal',
      ansible_domain: 'k8s.example.internal',
      ansible_processor_vcpus: 8,
      ansible_processor_count: 2,
      ansible_processor_cores: 2,
      ansible_processor_threads_per_core: 2,
    });
    // The lowest-metric default route wins; its interface's primary address is the default address.
    expect(f.ansible_default_ipv4).to.include({ interface: 'enp1s0', gateway: '198.18.0.1', address: '198.18.0.11', prefix: 24 });
    expect(f.ansible_all_ipv4_addresses).to.deep.equal(['198.18.0.11', '198.18.0.10', '10.10.0.11', '10.10.0.99']);
    expect(f.ansible_default_ipv6).to.deep.equal({});
    expect(f.ansible_selinux).to.deep.equal({ status: 'enabled', mode: 'enforcing', config_mode: 'enforcing', type: 'targeted' });
    expect(f['ansible_cni_podman0']).to.include({ device: 'cni-podman0', active: false });
    expect((f['ansible_enp2s0'] as { ipv4_secondaries: unknown[] }).ipv4_secondaries).to.have.length(1);
  });

  it('never throws on empty or garbage output', () => {
    for (const junk of ['', 'garbage\n', '@@uname\n\n@@addr\n1: x\n@@date\nnot a date\n', '@@date\n2026 11 22 00 46 13 +0000 Sunday 0 46 99999999999999999999 UTC\n']) {
      const f = parseFacts(junk);
      expect(f.ansible_default_ipv4).to.deep.equal({});
      expect(f.ansible_pkg_mgr).to.equal('unknown');
    }
  });
});

describe('facts: helpers', () => {
  it('splits sections', () => {
    expect([...splitSections('\n@@a\n1\n2\n\n@@b\n\n@@c\nx')]).to.deep.equal([
      ['a', '1\n2'],
      ['b', ''],
      ['c', 'x'],
    ]);
  });
  it('reads os-release quoting', () => {
    expect(parseOsRelease('A="x y"\nB=plain\nC=\'single\'\nD="esc \\"q\\""\n# comment')).to.deep.equal({ A: 'x y', B: 'plain', C: 'single', D: 'esc "q"' });
  });
  it('formats IPv6 like RFC 5952', () => {
    expect(formatIpv6('00000000000000000000000000000001')).to.equal('::1');
    expect(formatIpv6('20010db8000000000001000000000001')).to.equal('2001:db8::1:0:0:1');
    expect(formatIpv6('fe800000000000000000000000000000')).to.equal('fe80::');
    expect(formatIpv6('20010db8000100020003000400050006')).to.equal('2001:db8:1:2:3:4:5:6');
  });
  it('parses default routes without a gateway and vlan names in ip addr', () => {
    expect(parseDefaultRoute('default dev wg0 scope link')).to.deep.equal({ interface: 'wg0' });
    const head = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
    expect(procDefaultRoute(parseProcRoute(`${head}wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n`))).to.deep.equal({ interface: 'wg0' });
  });
  it('/proc/net/route: the first default route with a device, as `ip -4 route show default` lists them', () => {
    // `ip route add unreachable default metric 10; ip route add default via 10.0.0.1 dev eth1 metric 20;
    // ip route add default via 192.0.2.1 dev eth0 metric 30`: ip prints `unreachable default …` first
    const routes = parseProcRoute(
      [
        'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
        '*\t00000000\t00000000\t0201\t0\t0\t10\t00000000\t0\t0\t0',
        'eth1\t00000000\t0100000A\t0003\t0\t0\t20\t00000000\t0\t0\t0',
        'eth0\t00000000\t010200C0\t0003\t0\t0\t30\t00000000\t0\t0\t0',
        'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      ].join('\n'),
    );
    expect(procDefaultRoute(routes)).to.deep.equal({ interface: 'eth1', gateway: '10.0.0.1' });
    expect(procDefaultRoute(routes.slice(3))).to.equal(undefined);
    expect(parseIpAddr('5: eth0.100@eth0    inet 10.1.0.2/24 scope global eth0.100')[0]).to.include({ device: 'eth0.100', address: '10.1.0.2', prefix: 24 });
  });
});

describe('facts: FACTS_SCRIPT on this machine', () => {
  it('is valid POSIX sh, exits 0 and parses into the core facts', () => {
    execFileSync('sh', ['-n', '-c', FACTS_SCRIPT]);
    const out = execFileSync('sh', ['-c', FACTS_SCRIPT], { encoding: 'utf8' });
    const f = parseFacts(out);
    expect(f.ansible_system).to.equal('Linux');
    expect(f.ansible_hostname).to.be.a('string').and.not.equal('');
    expect(f.ansible_processor_vcpus).to.be.greaterThan(0);
    expect(f.ansible_memtotal_mb).to.be.greaterThan(0);
    expect(f.ansible_user_id).to.not.equal('');
  });
  it('reads with shell builtins what uname, id and /sys/class/net report', () => {
    for (const shell of ['sh', 'bash']) {
      const sec = splitSections(execFileSync(shell, ['-c', FACTS_SCRIPT], { encoding: 'utf8' }));
      const run = (c: string, ...a: string[]) => execFileSync(c, a, { encoding: 'utf8' }).trim();
      expect(sec.get('uname')!.split('\n'), shell).to.deep.equal([run('uname', '-s'), run('uname', '-n'), run('uname', '-r'), run('uname', '-m'), run('uname', '-v')]);
      expect(sec.get('id')!.split('\n'), shell).to.deep.equal([run('id', '-un'), run('id', '-u'), run('id', '-g'), run('id', '-gn')]);
      const links = sec.get('links')!.split('\n').map((l) => l.split(' ')[0]);
      expect(links, shell).to.deep.equal(run('ls', '/sys/class/net').split('\n'));
      expect(sec.get('meminfo'), shell).to.match(/^MemTotal: +\d+ kB$/m);
    }
  });
  it('needs no uname, second date or `ip -4 route` for what they used to give', () => {
    const run = (c: string, ...a: string[]) => execFileSync(c, a, { encoding: 'utf8' }).trim();
    let ipRoute: string | undefined;
    try {
      ipRoute = run('ip', '-4', 'route', 'show', 'default');
    } catch {
      // no iproute2 here
    }
    for (const shell of ['sh', 'bash']) {
      const out = execFileSync(shell, ['-c', FACTS_SCRIPT], { encoding: 'utf8' });
      const f = parseFacts(out);
      expect(f.ansible_machine, shell).to.equal(run('uname', '-m'));
      const utc = Date.parse(f.ansible_date_time!.iso8601);
      expect(Math.abs(utc - Date.now()), shell).to.be.below(5000);
      expect(utc / 1000, shell).to.equal(Number(f.ansible_date_time!.epoch));
      expect(splitSections(out).get('date')!.split('\n'), shell).to.have.length(1);
      if (ipRoute !== undefined) {
        const gw = parseDefaultRoute(ipRoute);
        expect(f.ansible_default_ipv4.interface, shell).to.equal(gw?.interface);
        expect(f.ansible_default_ipv4.gateway, shell).to.equal(gw?.gateway);
      }
    }
  });
  it('asks uname under a 32-bit personality, where kernel.arch would say x86_64', function () {
    let want: string;
    try {
      want = execFileSync('linux32', ['uname', '-m'], { encoding: 'utf8' }).trim();
    } catch {
      this.skip();
    }
    const sec = splitSections(execFileSync('linux32', ['sh', '-c', FACTS_SCRIPT], { encoding: 'utf8' }));
    expect(sec.get('uname')!.split('\n')[3]).to.equal(want);
  });
  it('still exits 0 with an empty PATH', () => {
    const out = execFileSync('/bin/sh', ['-c', FACTS_SCRIPT], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
    expect(out).to.contain('@@end');
  });
});
