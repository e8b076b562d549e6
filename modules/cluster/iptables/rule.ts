/**
 * One rule from the module's arguments: the words for `iptables -A CHAIN …` and the line
 * iptables-save will print for it. Both come from the same list so they cannot drift apart:
 * the command gives matches in iptables-save's order (generic options, protocol match, multiport,
 * conntrack, extra matches, comment, target), and iptables prints them back in that order.
 */
import { saveAddress, saveProtocol, saveString, tokenize } from './save-format.ts';
import type { IptablesArgs } from './schema.ts';

export interface RuleSpec {
  /** argv after `-A CHAIN`. */
  argv: string[];
  /** The rule as iptables-save prints it, without `-A CHAIN `. */
  saved: string;
}

const CT_ORDER = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

/** Arguments that make up a rule (as opposed to chain management). */
export const RULE_KEYS = [
  'protocol',
  'source',
  'destination',
  'in_interface',
  'out_interface',
  'source_port',
  'destination_port',
  'destination_ports',
  'ctstate',
  'match',
  'comment',
  'jump',
  'to_ports',
  'to_destination',
  'to_source',
  'reject_with',
] as const;

export function hasRule(a: IptablesArgs): boolean {
  return RULE_KEYS.some((k) => a[k] !== undefined);
}

function negated(v: string | number): { neg: boolean; value: string } {
  const s = String(v).trim();
  return s.startsWith('!') ? { neg: true, value: s.slice(1).trim() } : { neg: false, value: s };
}

/** Problems that make a rule impossible to build or to recognise later. */
export function ruleProblems(a: IptablesArgs): { key: string; message: string }[] {
  const errs: { key: string; message: string }[] = [];
  const v6 = a.ip_version === 'ipv6';
  for (const k of ['source', 'destination'] as const) {
    const v = a[k];
    if (v !== undefined && saveAddress(negated(v).value, v6) === undefined) {
      errs.push({ key: k, message: `${k} must be an ${v6 ? 'IPv6' : 'IPv4'} address or CIDR, not ${JSON.stringify(v)}` });
    }
  }
  const proto = a.protocol ? negated(a.protocol) : undefined;
  const portProto = proto && !proto.neg && ['tcp', 'udp', 'sctp', 'udplite', 'dccp'].includes(saveProtocol(proto.value) ?? 'all');
  for (const k of ['source_port', 'destination_port', 'destination_ports'] as const) {
    if (a[k] !== undefined && !portProto) errs.push({ key: k, message: `${k} needs protocol tcp, udp or sctp` });
  }
  for (const m of a.match ?? []) {
    if (m.trim().startsWith('-')) errs.push({ key: 'match', message: `match entries start with the module name (e.g. "addrtype --dst-type LOCAL"), not ${JSON.stringify(m)}` });
  }
  if (a.action !== 'insert' && a.rule_num !== undefined) errs.push({ key: 'rule_num', message: 'rule_num needs action: insert' });
  return errs;
}

export function buildRule(a: IptablesArgs): RuleSpec {
  const v6 = a.ip_version === 'ipv6';
  const argv: string[] = [];
  const saved: string[] = [];
  const both = (cmd: string[], save: string[] = cmd) => {
    argv.push(...cmd);
    saved.push(...save);
  };
  const generic = (flag: string, v: string | undefined, norm: (s: string) => string | undefined = (s) => s) => {
    if (v === undefined) return;
    const { neg, value } = negated(v);
    const n = norm(value) ?? value;
    if (!neg && (n === '0.0.0.0/0' || n === '::/0' || (flag === '-p' && n === 'all'))) return; // iptables-save omits "anything"
    both([...(neg ? ['!'] : []), flag, value], [...(neg ? ['!'] : []), flag, n]);
  };
  generic('-s', a.source, (s) => saveAddress(s, v6));
  generic('-d', a.destination, (s) => saveAddress(s, v6));
  generic('-i', a.in_interface);
  generic('-o', a.out_interface);
  generic('-p', a.protocol, (s) => saveProtocol(s) ?? 'all');
  const proto = a.protocol ? (saveProtocol(negated(a.protocol).value) ?? 'all') : undefined;
  if (a.source_port !== undefined || a.destination_port !== undefined) {
    both(['-m', proto!]);
    for (const [flag, v] of [['--sport', a.source_port], ['--dport', a.destination_port]] as const) {
      if (v === undefined) continue;
      const { neg, value } = negated(v);
      both([...(neg ? ['!'] : []), flag, value]);
    }
  }
  if (a.destination_ports) both(['-m', 'multiport', '--dports', a.destination_ports.map(String).join(',')]);
  if (a.ctstate) both(['-m', 'conntrack', '--ctstate', [...new Set(a.ctstate)].sort((x, y) => CT_ORDER.indexOf(x) - CT_ORDER.indexOf(y)).join(',')]);
  for (const m of a.match ?? []) {
    const words = tokenize(m);
    both(['-m', ...words], ['-m', ...words.map((w) => (/^[^\s"'\\]+$/.test(w) ? w : saveString(w)))]);
  }
  if (a.comment !== undefined) both(['-m', 'comment', '--comment', a.comment], ['-m', 'comment', '--comment', saveString(a.comment)]);
  if (a.jump) {
    both(['-j', a.jump]);
    if (a.to_destination) both(['--to-destination', a.to_destination]);
    if (a.to_source) both(['--to-source', a.to_source]);
    if (a.to_ports) both(['--to-ports', a.to_ports]);
    if (a.jump === 'REJECT') {
      const w = a.reject_with ?? (v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable');
      argv.push('--reject-with', w);
      saved.push('--reject-with', w);
    }
  }
  return { argv, saved: saved.join(' ') };
}
