/**
 * Network arithmetic for templates and conditions (IPv4 and IPv6, as BigInt): the cluster roles need
 * the n-th address of a CIDR (the first service IP, the cluster DNS IP) and overlap checks between
 * the pod, service and host networks. Names follow Ansible's ipaddr family where one exists.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { KplayError } from '../errors.ts';

interface Net {
  v: 4 | 6;
  /** First address of the network. */
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

export function parseAddress(s: string, helper: string): { v: 4 | 6; n: bigint } {
  if (isIPv4(s)) return { v: 4, n: s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  if (isIPv6(s)) {
    let text = s;
    // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
    const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (tail) {
      const n = parseAddress(tail[1]!, helper).n;
      text = `${text.slice(0, -tail[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head, rest] = text.split('::') as [string, string | undefined];
    const a = head ? head.split(':') : [];
    const b = rest ? rest.split(':') : [];
    const groups = rest === undefined ? a : [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
    return { v: 6, n: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  throw new KplayError('KPLAY_TEMPLATE', `${helper}: '${s}' is not an IP address`);
}

export function formatAddress(v: 4 | 6, n: bigint): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // RFC 5952: the longest run of two or more zero groups becomes ::
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** `10.96.0.0/12`; a bare address is a /32 (or /128). Host bits are dropped, as ipaddr('net') does. */
export function parseCidr(value: unknown, helper: string): Net {
  if (typeof value !== 'string') throw new KplayError('KPLAY_TEMPLATE', `${helper}: expected a CIDR such as 10.96.0.0/12, got ${JSON.stringify(value)}`);
  const [addr, len] = value.trim().split('/') as [string, string | undefined];
  const { v, n } = parseAddress(addr, helper);
  const prefix = len === undefined ? BITS[v] : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > BITS[v] || (len !== undefined && !/^\d+$/.test(len))) {
    throw new KplayError('KPLAY_TEMPLATE', `${helper}: '${value}' has an invalid prefix length`);
  }
  const hostBits = BigInt(BITS[v] - prefix);
  return { v, base: (n >> hostBits) << hostBits, prefix };
}

function size(net: Net): bigint {
  return 1n << BigInt(BITS[net.v] - net.prefix);
}

/** The n-th address of a network (negative counts from the end): ipaddr(n) / ansible.utils.nthhost. */
export function cidrHost(cidr: unknown, n: unknown): string {
  const net = parseCidr(cidr, 'cidr_host');
  const i = BigInt(Math.trunc(Number(n)));
  const at = i < 0n ? size(net) + i : i;
  if (at < 0n || at >= size(net)) throw new KplayError('KPLAY_TEMPLATE', `cidr_host: ${String(n)} is outside ${String(cidr)}`);
  return formatAddress(net.v, net.base + at);
}

/** True when the address (or network) lies inside the network. */
export function cidrContains(cidr: unknown, inner: unknown): boolean {
  const a = parseCidr(cidr, 'cidr_contains');
  const b = parseCidr(inner, 'cidr_contains');
  return a.v === b.v && b.prefix >= a.prefix && b.base >= a.base && b.base < a.base + size(a);
}

/** True when two networks share at least one address. */
export function cidrOverlap(x: unknown, y: unknown): boolean {
  const a = parseCidr(x, 'cidr_overlap');
  const b = parseCidr(y, 'cidr_overlap');
  return a.v === b.v && a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The network of an address and prefix, `198.18.0.11/24` → `198.18.0.0/24` (ipaddr('network/prefix')). */
export function cidrNetwork(cidr: unknown): string {
  const net = parseCidr(cidr, 'cidr_network');
  return `${formatAddress(net.v, net.base)}/${net.prefix}`;
}

/** `[v6]` in URLs and host:port pairs, an IPv4 address or a name unchanged (Ansible's ipwrap). */
export function ipWrap(value: unknown): unknown {
  return typeof value === 'string' && isIPv6(value) ? `[${value}]` : value;
}

/** Ansible's `ipaddr` filter without a query: the value when it is an IP address or network, else false. */
export function ipAddr(value: unknown): unknown {
  if (typeof value !== 'string') return false;
  try {
    parseCidr(value, 'ipaddr');
    return value;
  } catch {
    return false;
  }
}

/** An address with its prefix, host bits kept (netaddr's IPNetwork: `.ip` and `.network`). */
interface Iface {
  v: 4 | 6;
  ip: bigint;
  prefix: number;
  network: bigint;
  size: bigint;
}

function parseIface(value: string): Iface | undefined {
  const [addr, len] = value.trim().split('/') as [string, string | undefined];
  let parsed: { v: 4 | 6; n: bigint };
  try {
    parsed = parseAddress(addr, 'ipaddr');
  } catch {
    return undefined;
  }
  const bits = BITS[parsed.v];
  const prefix = len === undefined ? bits : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { v: parsed.v, ip: parsed.n, prefix, network: (parsed.n >> hostBits) << hostBits, size: 1n << hostBits };
}

/**
 * ansible.utils.ipaddr(query) for one value, as netaddr-based Ansible computes it: false when the
 * value is not an address or network, none when the query does not apply to it (`'10.0.0.0/24' | ipaddr('address')`).
 */
export function ipaddrQuery(value: unknown, query: unknown = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => ipaddrQuery(v, query)).filter((v) => v !== false);
  if (typeof value === 'number') value = formatAddress(4, BigInt(value));
  if (typeof value !== 'string') return false;
  const n = parseIface(value);
  if (!n) return false;
  const fmt = (x: bigint) => formatAddress(n.v, x);
  const isNetwork = value.includes('/');
  if (typeof query === 'number' || (typeof query === 'string' && /^-?\d+$/.test(query))) {
    const i = BigInt(Number(query));
    if (n.size === 1n) return isNetwork ? `${fmt(n.ip)}/${n.prefix}` : fmt(n.ip);
    const at = i < 0n ? n.size + i : i;
    return at >= 0n && at < n.size ? `${fmt(n.network + at)}/${n.prefix}` : false;
  }
  const bits = BigInt(BITS[n.v]);
  const mask = ((1n << bits) - 1n) ^ (n.size - 1n);
  switch (String(query ?? '')) {
    case '':
      return value;
    case 'address':
      return n.size === 1n || n.ip !== n.network ? fmt(n.ip) : null;
    case 'net':
      return n.size > 1n && n.ip === n.network ? `${fmt(n.network)}/${n.prefix}` : null;
    case 'network':
      return fmt(n.network);
    case 'network/prefix':
    case 'subnet':
    case 'cidr':
      return `${fmt(n.network)}/${n.prefix}`;
    case 'prefix':
      return n.prefix;
    case 'netmask':
      return fmt(mask);
    case 'hostmask':
      return fmt((n.size - 1n) & ((1n << bits) - 1n));
    case 'broadcast':
      return n.size > 2n ? fmt(n.network + n.size - 1n) : null;
    case 'size':
      return Number(n.size);
    case 'host':
    case 'host/prefix':
      if (n.size === 1n) return `${fmt(n.ip)}/${n.prefix}`;
      return n.ip !== n.network ? `${fmt(n.ip)}/${n.prefix}` : null;
    case 'ipv4':
      return n.v === 4 ? value : false;
    case 'ipv6':
      return n.v === 6 ? value : false;
    case 'version':
      return n.v;
    case 'first_usable':
      return n.size > 2n ? fmt(n.network + 1n) : false;
    case 'last_usable':
      return n.size > 2n ? fmt(n.network + n.size - 2n) : false;
    case 'wrap':
    case 'ipwrap':
      return n.v === 6 ? (isNetwork ? value : `[${value}]`) : value;
    case 'bool':
      return true;
    case 'private': {
      const s = `${fmt(n.ip)}`;
      return n.v === 4 && ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].some((c) => cidrContains(c, s)) ? value : false;
    }
    case 'public': {
      const s = `${fmt(n.ip)}`;
      return n.v === 4 && !['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16'].some((c) => cidrContains(c, s)) ? value : false;
    }
    default:
      throw new KplayError('KPLAY_TEMPLATE', `ipaddr: unknown query '${String(query)}'`);
  }
}

/** ansible.utils.ipmath: the address `amount` further on. */
export function ipMath(value: unknown, amount: unknown): string {
  const n = parseIface(String(value));
  if (!n) throw new KplayError('KPLAY_TEMPLATE', `ipmath: '${String(value)}' is not an IP address`);
  const at = n.ip + BigInt(Math.trunc(Number(amount)));
  if (at < 0n || at >= 1n << BigInt(BITS[n.v])) throw new KplayError('KPLAY_TEMPLATE', `ipmath: the result is outside the IPv${n.v} space`);
  return formatAddress(n.v, at);
}

/** ansible.utils.nthhost: the n-th address of a network, without prefix. */
export function nthHost(value: unknown, n: unknown): unknown {
  const r = ipaddrQuery(value, Number(n));
  return typeof r === 'string' ? r.split('/')[0] : r;
}
