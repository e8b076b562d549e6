/**
 * iptables-save's text, both ways: parsing a table dump, and printing values the way
 * iptables-save prints them (so a rule we build compares equal to the line the kernel gives back).
 * Same output for iptables-nft and iptables-legacy (checked on 1.8.9).
 */

export interface ChainDump {
  /** ACCEPT/DROP for built-in chains, '-' for user chains. */
  policy: string;
  /** Rule lines without the leading `-A CHAIN `. */
  rules: string[];
}

export type TableDump = Map<string, ChainDump>;

export function parseSave(text: string, table: string): TableDump {
  const chains: TableDump = new Map();
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      inTable = line.slice(1) === table;
      continue;
    }
    if (!inTable || line === 'COMMIT') continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      chains.set(name!, { policy: policy ?? '-', rules: [] });
    } else if (line.startsWith('-A ')) {
      const sp = line.indexOf(' ', 3);
      const chain = line.slice(3, sp < 0 ? undefined : sp);
      const c = chains.get(chain) ?? { policy: '-', rules: [] };
      c.rules.push(sp < 0 ? '' : line.slice(sp + 1));
      chains.set(chain, c);
    }
  }
  return chains;
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with " \ ' escaped. */
export function saveString(v: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(v)) return v;
  return `"${v.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Split a rule text into words the way iptables-restore does (double and single quotes, backslash escapes inside double quotes). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      inWord = true;
      for (i++; i < text.length && text[i] !== ch; i++) {
        if (ch === '"' && text[i] === '\\' && i + 1 < text.length) i++;
        cur += text[i];
      }
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function ipv4ToInt(s: string): number | undefined {
  const p = s.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined;
  return p.reduce((acc, x) => acc * 256 + Number(x), 0);
}

const intToIpv4 = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

function ipv6ToBig(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.split('::').length > 2) return undefined;
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array(Math.max(fill, 0)).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** inet_ntop's form: lowercase, longest run (≥2) of zero groups as ::. */
function bigToIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt((7 - i) * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * An address or network as iptables-save prints it: host addresses get /32 (/128), the host bits
 * of a network are cleared, a dotted netmask becomes a prefix. Undefined for what is not an IP
 * (host names: iptables resolves them at insert time, so the saved form cannot be predicted).
 */
export function saveAddress(v: string, ipv6: boolean): string | undefined {
  const [addr, mask] = v.split('/') as [string, string | undefined];
  if (!ipv6) {
    const n = ipv4ToInt(addr);
    if (n === undefined) return undefined;
    let prefix = 32;
    if (mask !== undefined) {
      if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) prefix = Number(mask);
      else {
        const m = ipv4ToInt(mask);
        if (m === undefined) return undefined;
        const bits = m.toString(2).padStart(32, '0');
        if (!/^1*0*$/.test(bits)) return undefined;
        prefix = bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
      }
    }
    const net = prefix === 0 ? 0 : (n - (n % 2 ** (32 - prefix)));
    return `${intToIpv4(net)}/${prefix}`;
  }
  const n = ipv6ToBig(addr);
  if (n === undefined) return undefined;
  const prefix = mask === undefined ? 128 : /^\d{1,3}$/.test(mask) && Number(mask) <= 128 ? Number(mask) : undefined;
  if (prefix === undefined) return undefined;
  const hostBits = BigInt(128 - prefix);
  return `${bigToIpv6((n >> hostBits) << hostBits)}/${prefix}`;
}

const PROTOCOL_NAMES: Record<string, string> = {
  '1': 'icmp', '6': 'tcp', '17': 'udp', '33': 'dccp', '47': 'gre', '50': 'esp', '51': 'ah', '58': 'ipv6-icmp', '132': 'sctp', '136': 'udplite', icmpv6: 'ipv6-icmp',
};

/** A protocol as iptables-save prints it: lower case, names for numbers, undefined for `all` (omitted). */
export function saveProtocol(p: string): string | undefined {
  const l = p.toLowerCase();
  if (l === 'all' || l === '0') return undefined;
  return PROTOCOL_NAMES[l] ?? l;
}

const LONG_TO_SHORT: Record<string, string> = {
  '--source': '-s',
  '--src': '-s',
  '--destination': '-d',
  '--dst': '-d',
  '--in-interface': '-i',
  '--out-interface': '-o',
  '--protocol': '-p',
  '--jump': '-j',
  '--goto': '-g',
  '--match': '-m',
  '--append': '-A',
};

/**
 * A rule text (as a user writes it in a ruleset) in iptables-save's spelling, as far as that can be
 * known without the kernel: short generic options, normalized addresses, quoting of strings. Match
 * order and implicit matches (`-m tcp` after `-p tcp --dport`) are the writer's job.
 */
export function canonicalRule(text: string, ipv6: boolean): string {
  const words = tokenize(text);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = LONG_TO_SHORT[words[i]!] ?? words[i]!;
    if ((w === '-s' || w === '-d') && i + 1 < words.length) {
      out.push(w, saveAddress(words[i + 1]!, ipv6) ?? words[i + 1]!);
      i++;
    } else if (w === '-p' && i + 1 < words.length) {
      const p = saveProtocol(words[i + 1]!);
      const neg = out[out.length - 1] === '!';
      if (p !== undefined) out.push(w, p);
      else if (neg) out.push(w, 'all');
      i++;
    } else if (i > 0 && /^--(comment|log-prefix|prefix)$/.test(words[i - 1]!)) {
      out.push(saveString(w));
    } else {
      out.push(/^[^\s"'\\]+$/.test(w) ? w : saveString(w));
    }
  }
  return out.join(' ');
}
