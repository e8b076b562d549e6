/**
 * Network facts: the IPv4 default route from /proc/net/route; the IPv6 one, addresses and
 * interfaces from `ip` output when the host has iproute2, else from /proc/net/{fib_trie,if_inet6}
 * (no IPv6 default route then). Shapes follow Ansible
 * (ansible_default_ipv4.{address,interface,gateway,netmask,network,prefix,macaddress,mtu}).
 */

export interface Ipv4Info {
  address: string;
  prefix: number;
  netmask: string;
  network: string;
  broadcast?: string;
}

export interface Ipv6Info {
  address: string;
  prefix: number;
  scope: string;
}

export interface InterfaceFacts {
  device: string;
  macaddress?: string;
  mtu?: number;
  active: boolean;
  ipv4?: Ipv4Info;
  ipv4_secondaries?: Ipv4Info[];
  ipv6: Ipv6Info[];
}

export interface DefaultRoute {
  address?: string;
  interface?: string;
  gateway?: string;
  netmask?: string;
  network?: string;
  prefix?: number;
  macaddress?: string;
  mtu?: number;
}

export interface NetworkFacts {
  interfaces: Record<string, InterfaceFacts>;
  default4: DefaultRoute;
  default6: DefaultRoute;
}

export interface NetworkSections {
  links: string;
  route6?: string;
  addr?: string;
  procRoute?: string;
  fibTrie?: string;
  ifInet6?: string;
}

export function networkFacts(s: NetworkSections): NetworkFacts {
  const interfaces = parseLinks(s.links);
  const iface = (name: string): InterfaceFacts => (interfaces[name] ??= { device: name, active: false, ipv6: [] });
  const routes = parseProcRoute(s.procRoute ?? '');
  let gw6: { gateway?: string; interface?: string } | undefined;

  if (s.addr !== undefined) {
    for (const a of parseIpAddr(s.addr)) addAddress(iface(a.device), a);
    gw6 = parseDefaultRoute(s.route6 ?? '');
  } else {
    for (const addr of parseFibTrieLocal(s.fibTrie ?? '')) {
      const onLink = routes.find((r) => r.mask !== 0 && (ipToInt(addr) & r.mask) >>> 0 === r.dest);
      const isLoopback = addr.startsWith('127.');
      const device = onLink?.iface ?? (isLoopback ? 'lo' : undefined);
      if (!device) continue;
      const prefix = onLink ? maskToPrefix(onLink.mask) : 8;
      addAddress(iface(device), { device, family: 'inet', address: addr, prefix, scope: isLoopback ? 'host' : 'global', secondary: false });
    }
    for (const a of parseIfInet6(s.ifInet6 ?? '')) addAddress(iface(a.device), a);
  }
  const gw4 = procDefaultRoute(routes);

  return {
    interfaces,
    default4: defaultFacts(gw4, interfaces, 4),
    default6: defaultFacts(gw6, interfaces, 6),
  };
}

function defaultFacts(gw: { gateway?: string; interface?: string } | undefined, interfaces: Record<string, InterfaceFacts>, family: 4 | 6): DefaultRoute {
  if (!gw?.interface) return {};
  const i = interfaces[gw.interface];
  const out: DefaultRoute = { interface: gw.interface };
  if (gw.gateway) out.gateway = gw.gateway;
  if (family === 4 && i?.ipv4) Object.assign(out, { address: i.ipv4.address, netmask: i.ipv4.netmask, network: i.ipv4.network, prefix: i.ipv4.prefix });
  if (family === 6) {
    const global = i?.ipv6.find((a) => a.scope === 'global');
    if (global) Object.assign(out, { address: global.address, prefix: global.prefix });
  }
  if (i?.macaddress) out.macaddress = i.macaddress;
  if (i?.mtu !== undefined) out.mtu = i.mtu;
  return out;
}

interface ParsedAddr {
  device: string;
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  scope: string;
  secondary: boolean;
  broadcast?: string;
}

function addAddress(i: InterfaceFacts, a: ParsedAddr): void {
  if (a.family === 'inet6') {
    i.ipv6.push({ address: a.address, prefix: a.prefix, scope: a.scope });
    return;
  }
  const info: Ipv4Info = { address: a.address, prefix: a.prefix, netmask: prefixToMask(a.prefix), network: networkOf(a.address, a.prefix) };
  if (a.broadcast) info.broadcast = a.broadcast;
  if (!i.ipv4 && !a.secondary) i.ipv4 = info;
  else (i.ipv4_secondaries ??= []).push(info);
}

/** `name mac mtu operstate` lines written by the script from /sys/class/net. */
function parseLinks(text: string): Record<string, InterfaceFacts> {
  const out: Record<string, InterfaceFacts> = {};
  for (const line of text.split('\n')) {
    const [device, mac, mtu, state] = line.trim().split(/\s+/);
    if (!device) continue;
    const f: InterfaceFacts = { device, active: state === 'up' || (state === 'unknown' && device === 'lo'), ipv6: [] };
    if (mac) f.macaddress = mac;
    if (mtu && /^\d+$/.test(mtu)) f.mtu = Number(mtu);
    out[device] = f;
  }
  return out;
}

/** `ip -o addr show` lines: `2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\ …`. */
export function parseIpAddr(text: string): ParsedAddr[] {
  const out: ParsedAddr[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)(?:\/(\d+))?(.*)$/.exec(line.trim());
    if (!m) continue;
    const rest = m[5]!;
    const family = m[2] as 'inet' | 'inet6';
    out.push({
      device: m[1]!.replace(/@.*$/, ''),
      family,
      address: m[3]!,
      prefix: Number(m[4] ?? (family === 'inet' ? 32 : 128)),
      scope: /\bscope\s+(\S+)/.exec(rest)?.[1] ?? 'global',
      secondary: /\bsecondary\b/.test(rest),
      broadcast: /\bbrd\s+(\S+)/.exec(rest)?.[1],
    });
  }
  return out;
}

/** `default via 10.0.0.1 dev eth0 …` (the first default route; `ip` lists them by metric). */
export function parseDefaultRoute(text: string): { gateway?: string; interface?: string } | undefined {
  for (const line of text.split('\n')) {
    if (!/^default\b/.test(line.trim())) continue;
    const dev = /\bdev\s+(\S+)/.exec(line)?.[1];
    const via = /\bvia\s+(?:inet6?\s+)?(\S+)/.exec(line)?.[1];
    if (!dev) continue;
    return via ? { gateway: via, interface: dev } : { interface: dev };
  }
  return undefined;
}

export interface ProcRoute {
  iface: string;
  dest: number;
  gateway: number;
  mask: number;
}

/** /proc/net/route: hex fields in host (little-endian) byte order. */
export function parseProcRoute(text: string): ProcRoute[] {
  const out: ProcRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^[0-9A-Fa-f]{8}$/.test(f[1]!)) continue;
    out.push({ iface: f[0]!, dest: hexLe(f[1]!), gateway: hexLe(f[2]!), mask: hexLe(f[7]!) });
  }
  return out;
}

/**
 * The first default route of the main table, as the first `default` line of `ip -4 route show
 * default` (both list by metric). Unreachable, blackhole and prohibit routes have no device (`*`);
 * ip prints them as `unreachable default …`, which is not a default route either. Where the two
 * differ: a multipath route counts with its first nexthop (ip's `default` line of it names no
 * device), and a gateway given as an IPv6 address (`via inet6`) shows as no gateway.
 */
export function procDefaultRoute(routes: ProcRoute[]): { gateway?: string; interface?: string } | undefined {
  const def = routes.find((r) => r.dest === 0 && r.mask === 0 && r.iface !== '*');
  if (!def) return undefined;
  return def.gateway ? { gateway: intToIp(def.gateway), interface: def.iface } : { interface: def.iface };
}

function hexLe(hex: string): number {
  const n = parseInt(hex, 16);
  return (((n & 0xff) << 24) | ((n >>> 8) & 0xff) << 16 | ((n >>> 16) & 0xff) << 8 | ((n >>> 24) & 0xff)) >>> 0;
}

/** Local addresses from /proc/net/fib_trie: an `|-- a.b.c.d` line followed by `/32 host LOCAL`. */
function parseFibTrieLocal(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const m = /\|--\s+(\d+\.\d+\.\d+\.\d+)/.exec(lines[i]!);
    if (m && /\/32 host LOCAL/.test(lines[i + 1]!) && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** /proc/net/if_inet6: `<32 hex> <ifindex> <prefix hex> <scope hex> <flags> <name>`. */
function parseIfInet6(text: string): ParsedAddr[] {
  const scopes: Record<string, string> = { '00': 'global', '10': 'host', '20': 'link', '40': 'site' };
  const out: ParsedAddr[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !/^[0-9a-f]{32}$/i.test(f[0]!)) continue;
    out.push({ device: f[5]!, family: 'inet6', address: formatIpv6(f[0]!), prefix: parseInt(f[2]!, 16), scope: scopes[f[3]!] ?? f[3]!, secondary: false });
  }
  return out;
}

/** 32 hex digits → RFC 5952 text (longest zero run compressed). */
export function formatIpv6(hex: string): string {
  const groups = hex.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

export function prefixToMask(prefix: number): string {
  return intToIp(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

function maskToPrefix(mask: number): number {
  let n = 0;
  for (let m = mask; m & 0x80000000; m = (m << 1) >>> 0) n++;
  return n;
}

export function networkOf(address: string, prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return intToIp((ipToInt(address) & mask) >>> 0);
}
