import { Type, type Static } from '@sinclair/typebox';

const Str = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));
const Port = (description: string) => Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.String({ pattern: '^!?\\s*[0-9]+(:[0-9]+)?$' })], { description }));

export const TableName = Type.Union([Type.Literal('filter'), Type.Literal('nat'), Type.Literal('mangle'), Type.Literal('raw'), Type.Literal('security')], {
  description: 'The table. Default filter.',
});
export const IpVersion = Type.Union([Type.Literal('ipv4'), Type.Literal('ipv6')], { description: 'ipv4 uses iptables, ipv6 ip6tables (whichever backend, nft or legacy, the host\'s binary is). Default ipv4.' });

export const IptablesArgs = Type.Object(
  {
    table: Type.Optional(TableName),
    chain: Type.String({ minLength: 1, description: 'The chain (INPUT, FORWARD, a user chain …).' }),
    ip_version: Type.Optional(IpVersion),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'present: the rule exists (exactly as many times as it did, at least once). absent: every copy is deleted; with chain_management and no rule, the chain itself is deleted. Default present.' })),
    action: Type.Optional(Type.Union([Type.Literal('append'), Type.Literal('insert')], { description: 'How a missing rule is added: at the end (append, default) or at rule_num (insert). An existing rule is never moved.' })),
    rule_num: Type.Optional(Type.Integer({ minimum: 1, description: 'Position for action insert (1 = first, default).' })),
    protocol: Str('-p: tcp, udp, icmp, sctp, all … (prefix ! to negate).'),
    source: Str('-s: an address or CIDR (IPv4 or IPv6 per ip_version; prefix ! to negate). Host names are refused: their saved form cannot be predicted.'),
    destination: Str('-d: an address or CIDR (prefix ! to negate).'),
    in_interface: Str('-i: incoming interface (prefix ! to negate).'),
    out_interface: Str('-o: outgoing interface (prefix ! to negate).'),
    source_port: Port('--sport (with protocol tcp/udp/sctp): a port or range a:b.'),
    destination_port: Port('--dport (with protocol tcp/udp/sctp): a port or range a:b.'),
    destination_ports: Type.Optional(Type.Array(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.String({ pattern: '^[0-9]+(:[0-9]+)?$' })]), { minItems: 1, maxItems: 15, description: '-m multiport --dports (with protocol tcp/udp/sctp).' })),
    ctstate: Type.Optional(Type.Array(Type.Union(['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'].map((s) => Type.Literal(s))), { minItems: 1, description: '-m conntrack --ctstate.' })),
    match: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Extra matches, each `MODULE [OPTIONS]` as iptables-save prints it, e.g. `addrtype --dst-type LOCAL` → `-m addrtype --dst-type LOCAL`. Placed after the built-in matches, before the comment.' })),
    comment: Str('-m comment --comment (makes the rule recognisable; kube-proxy and flannel use them too).'),
    jump: Str('-j target: ACCEPT, DROP, RETURN, REJECT, DNAT, SNAT, MASQUERADE, REDIRECT, LOG or a user chain.'),
    to_ports: Str('--to-ports for REDIRECT/MASQUERADE.'),
    to_destination: Str('--to-destination for DNAT (ip[:port]).'),
    to_source: Str('--to-source for SNAT.'),
    reject_with: Str('--reject-with for REJECT (default icmp-port-unreachable / icmp6-port-unreachable, as iptables-save shows it).'),
    chain_management: Type.Optional(Type.Boolean({ description: 'Create the chain when absent (state present); delete it (flushing it first) with state absent and no rule arguments.' })),
    flush: Type.Optional(Type.Boolean({ description: 'Delete every rule of the chain first, then add the rule if one is given: the chain ends up holding just that rule (no change when it already does).' })),
    policy: Type.Optional(Type.Union(['ACCEPT', 'DROP', 'QUEUE', 'RETURN'].map((s) => Type.Literal(s)), { description: 'Policy of a built-in chain.' })),
    wait: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds to wait for the xtables lock (-w). Default 10.' })),
  },
  { additionalProperties: false },
);

export type IptablesArgs = Static<typeof IptablesArgs>;
