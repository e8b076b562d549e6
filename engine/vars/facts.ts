/**
 * Host facts with Ansible's names, gathered in one round trip: run FACTS_SCRIPT with `sh -c`,
 * give its stdout to parseFacts. parseFacts is pure (fixture-tested) and never throws: a section
 * the host could not fill leaves its facts empty or absent. Exposing them again as
 * `ansible_facts.<name without ansible_>` is the executor's job.
 */
import { distroFacts } from './facts-distro.ts';
import { networkFacts, type DefaultRoute, type InterfaceFacts } from './facts-network.ts';

export { FACTS_SCRIPT } from './facts-script.ts';

export interface DateTimeFacts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  date: string;
  time: string;
  weekday: string;
  weekday_number: string;
  weeknumber: string;
  tz: string;
  tz_offset: string;
  epoch: string;
  epoch_int: string;
  iso8601: string;
}

export interface Facts {
  ansible_system: string;
  ansible_hostname: string;
  ansible_nodename: string;
  ansible_fqdn: string;
  ansible_domain: string;
  ansible_kernel: string;
  ansible_kernel_version: string;
  ansible_machine: string;
  ansible_architecture: string;
  ansible_distribution: string;
  ansible_distribution_version: string;
  ansible_distribution_major_version: string;
  ansible_distribution_release: string;
  ansible_os_family: string;
  /** Ansible's names: systemd, openrc, runit, sysvinit, or `service` when unknown. */
  ansible_service_mgr: string;
  /** kplay's coarse view of the same: systemd, openrc or other. */
  ansible_init: 'systemd' | 'openrc' | 'other';
  ansible_pkg_mgr: string;
  ansible_memtotal_mb: number;
  ansible_memfree_mb: number;
  ansible_swaptotal_mb: number;
  ansible_swapfree_mb: number;
  ansible_memory_mb: { real: { total: number; free: number; used: number }; nocache: { free: number; used: number }; swap: { total: number; free: number; used: number } };
  ansible_processor_vcpus: number;
  ansible_processor_count: number;
  ansible_processor_cores: number;
  ansible_processor_threads_per_core: number;
  ansible_processor_nproc: number;
  ansible_user_id: string;
  ansible_user_uid?: number;
  ansible_user_gid?: number;
  ansible_user_dir?: string;
  ansible_user_shell?: string;
  ansible_env: Record<string, string>;
  ansible_default_ipv4: DefaultRoute;
  ansible_default_ipv6: DefaultRoute;
  ansible_all_ipv4_addresses: string[];
  ansible_all_ipv6_addresses: string[];
  ansible_interfaces: string[];
  ansible_selinux: { status: string; mode?: string; config_mode?: string; type?: string };
  ansible_date_time?: DateTimeFacts;
  /** Per-interface facts, `ansible_eth0` etc. (dashes and colons become underscores). */
  [iface: `ansible_${string}`]: unknown;
}

/** Split the script's output into its `@@name` sections. */
export function splitSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (name !== undefined) out.set(name, lines.join('\n').trim());
  };
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^@@([\w-]+)$/.exec(line);
    if (m) {
      flush();
      name = m[1];
      lines = [];
    } else lines.push(line);
  }
  flush();
  return out;
}

export function parseFacts(stdout: string): Facts {
  const sec = splitSections(stdout);
  const get = (name: string): string => sec.get(name) ?? '';
  const [system = '', nodename = '', kernel = '', machine = '', kernelVersion = ''] = get('uname').split('\n').map((l) => l.trim());
  const fqdn = fqdnFromHosts(get('hosts'), nodename);
  const distro = distroFacts(
    { osRelease: get('os-release'), debianVersion: get('debian_version'), redhatRelease: get('redhat-release'), alpineRelease: get('alpine-release') },
    system,
  );
  const net = networkFacts({
    links: get('links'),
    route6: sec.get('route6'),
    addr: sec.get('addr'),
    procRoute: sec.get('proc-route'),
    fibTrie: sec.get('fib-trie'),
    ifInet6: sec.get('if-inet6'),
  });
  const { serviceMgr, init } = initFacts(get('init'));
  const mem = memFacts(get('meminfo'));
  const cpu = cpuFacts(get('cpuinfo'), get('nproc'));
  const [userId = '', uid, gid] = get('id').split('\n').map((l) => l.trim());
  const env = envFacts(get('env'));

  const facts: Facts = {
    ansible_system: system,
    ansible_hostname: nodename.split('.')[0] ?? '',
    ansible_nodename: nodename,
    ansible_fqdn: fqdn,
    ansible_domain: fqdn.includes('.') ? fqdn.slice(fqdn.indexOf('.') + 1) : '',
    ansible_kernel: kernel,
    ansible_kernel_version: kernelVersion,
    ansible_machine: machine,
    ansible_architecture: /^i[3-6]86$/.test(machine) ? 'i386' : machine === 'arm64' ? 'aarch64' : machine,
    ...distro,
    ansible_service_mgr: serviceMgr,
    ansible_init: init,
    ansible_pkg_mgr: pkgMgr(get('pkg'), distro.ansible_os_family),
    ...mem,
    ...cpu,
    ansible_user_id: userId,
    ansible_env: env,
    ansible_default_ipv4: net.default4,
    ansible_default_ipv6: net.default6,
    ansible_all_ipv4_addresses: Object.values(net.interfaces)
      .flatMap((i) => [i.ipv4, ...(i.ipv4_secondaries ?? [])])
      .filter((a) => a && !a.address.startsWith('127.'))
      .map((a) => a!.address),
    ansible_all_ipv6_addresses: Object.values(net.interfaces)
      .flatMap((i) => i.ipv6)
      .filter((a) => a.address !== '::1')
      .map((a) => a.address),
    ansible_interfaces: Object.keys(net.interfaces).sort(),
    ansible_selinux: selinuxFacts(get('selinux')),
  };
  if (uid && /^\d+$/.test(uid)) facts.ansible_user_uid = Number(uid);
  if (gid && /^\d+$/.test(gid)) facts.ansible_user_gid = Number(gid);
  if (env['HOME']) facts.ansible_user_dir = env['HOME'];
  if (env['SHELL']) facts.ansible_user_shell = env['SHELL'];
  const dt = dateFacts(get('date'));
  if (dt) facts.ansible_date_time = dt;
  for (const [name, i] of Object.entries(net.interfaces)) facts[`ansible_${name.replace(/[-:.]/g, '_')}`] = i satisfies InterfaceFacts;
  return facts;
}

/** What Python's socket.getfqdn() finds in /etc/hosts: the first dotted name on the host's line. */
function fqdnFromHosts(hosts: string, nodename: string): string {
  if (!nodename) return '';
  const short = nodename.split('.')[0];
  for (const raw of hosts.split('\n')) {
    const names = raw.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    if (!names.includes(nodename) && !names.includes(short!)) continue;
    return names.find((n) => n.includes('.') && (n === nodename || n.startsWith(`${short}.`))) ?? nodename;
  }
  return nodename;
}

function initFacts(text: string): { serviceMgr: string; init: 'systemd' | 'openrc' | 'other' } {
  const lines = text.split('\n').map((l) => l.trim());
  const comm = lines[0] ?? '';
  const has = (flag: string): boolean => lines.includes(flag);
  if (comm === 'systemd' || has('run-systemd')) return { serviceMgr: 'systemd', init: 'systemd' };
  if (comm === 'openrc-init' || has('run-openrc') || (comm === 'init' && has('sbin-openrc'))) return { serviceMgr: 'openrc', init: 'openrc' };
  if (comm === 'runit' || comm === 'runit-init') return { serviceMgr: 'runit', init: 'other' };
  if (comm === 'init' && has('etc-initd')) return { serviceMgr: 'sysvinit', init: 'other' };
  return { serviceMgr: 'service', init: 'other' };
}

function memFacts(text: string): Pick<Facts, 'ansible_memtotal_mb' | 'ansible_memfree_mb' | 'ansible_swaptotal_mb' | 'ansible_swapfree_mb' | 'ansible_memory_mb'> {
  const kb: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb[m[1]!] = Number(m[2]);
  }
  const mb = (k: string): number => Math.floor((kb[k] ?? 0) / 1024);
  const total = mb('MemTotal');
  const free = mb('MemFree');
  const nocacheFree = Math.floor(((kb['MemFree'] ?? 0) + (kb['Buffers'] ?? 0) + (kb['Cached'] ?? 0)) / 1024);
  const swapTotal = mb('SwapTotal');
  const swapFree = mb('SwapFree');
  return {
    ansible_memtotal_mb: total,
    ansible_memfree_mb: free,
    ansible_swaptotal_mb: swapTotal,
    ansible_swapfree_mb: swapFree,
    ansible_memory_mb: {
      real: { total, free, used: total - free },
      nocache: { free: nocacheFree, used: total - nocacheFree },
      swap: { total: swapTotal, free: swapFree, used: swapTotal - swapFree },
    },
  };
}

function cpuFacts(
  text: string,
  nproc: string,
): Pick<Facts, 'ansible_processor_vcpus' | 'ansible_processor_count' | 'ansible_processor_cores' | 'ansible_processor_threads_per_core' | 'ansible_processor_nproc'> {
  let processors = 0;
  const sockets = new Set<string>();
  let cores = 0;
  let siblings = 0;
  for (const line of text.split('\n')) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const [key, value] = [m[1]!, m[2]!.trim()];
    if (key === 'processor' && /^\d+$/.test(value)) processors++;
    else if (key === 'physical id') sockets.add(value);
    else if (key === 'cpu cores') cores = Number(value) || cores;
    else if (key === 'siblings') siblings = Number(value) || siblings;
  }
  const n = Number(nproc.trim()) || 0;
  const vcpus = processors || n || 1;
  const count = sockets.size || vcpus;
  const perSocketCores = cores || (sockets.size ? Math.max(1, Math.floor(vcpus / count)) : 1);
  return {
    ansible_processor_vcpus: vcpus,
    ansible_processor_count: count,
    ansible_processor_cores: perSocketCores,
    ansible_processor_threads_per_core: cores && siblings ? Math.max(1, Math.floor(siblings / cores)) : 1,
    ansible_processor_nproc: n || vcpus,
  };
}

function envFacts(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = line.slice(eq + 1);
    if (value !== '') env[line.slice(0, eq)] = value;
  }
  return env;
}

/** Ansible's choice of package manager: the family's own first, then the first one present. */
function pkgMgr(text: string, family: string): string {
  const found = new Set(text.split('\n').map((l) => l.trim()).filter(Boolean));
  const names: Record<string, string> = { 'apt-get': 'apt', dnf: 'dnf', dnf5: 'dnf5', yum: 'yum', apk: 'apk', zypper: 'zypper', pacman: 'pacman', emerge: 'portage', 'xbps-install': 'xbps' };
  const preferred: Record<string, string[]> = {
    Debian: ['apt-get'],
    RedHat: ['dnf', 'dnf5', 'yum'],
    Alpine: ['apk'],
    Suse: ['zypper'],
    Archlinux: ['pacman'],
    Gentoo: ['emerge'],
    Void: ['xbps-install'],
  };
  for (const c of [...(preferred[family] ?? []), ...Object.keys(names)]) if (found.has(c)) return names[c]!;
  return 'unknown';
}

function selinuxFacts(text: string): Facts['ansible_selinux'] {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_]+)\s*=\s*(\S*)/.exec(line);
    if (m) kv[m[1]!] = m[2]!;
  }
  if (kv['enforce'] === undefined) return { status: 'disabled' };
  const out: Facts['ansible_selinux'] = { status: 'enabled', mode: kv['enforce'] === '1' ? 'enforcing' : 'permissive' };
  if (kv['SELINUX']) out.config_mode = kv['SELINUX'];
  if (kv['SELINUXTYPE']) out.type = kv['SELINUXTYPE'];
  return out;
}

/** One line, `%Y %m %d %H %M %S %z %A %w %W %s %Z`: the UTC time comes from the epoch, not a second date run. */
function dateFacts(text: string): DateTimeFacts | undefined {
  const l = text.trim().split(/\s+/);
  const [year, month, day, hour, minute, second, tzOffset, weekday, weekdayNumber, weeknumber, epoch = ''] = l as [string, string, string, string, string, string, string, string, string, string, string];
  const utc = new Date(Number(epoch) * 1000);
  if (l.length < 11 || !/^\d+$/.test(epoch) || Number.isNaN(utc.getTime())) return undefined;
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    date: `${year}-${month}-${day}`,
    time: `${hour}:${minute}:${second}`,
    weekday,
    weekday_number: weekdayNumber,
    weeknumber,
    tz: l.slice(11).join(' '),
    tz_offset: tzOffset,
    epoch,
    epoch_int: epoch,
    iso8601: utc.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}
