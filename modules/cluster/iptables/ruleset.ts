/**
 * iptables_ruleset: whole chains of one table, applied atomically with `iptables-restore --noflush`.
 * Each listed chain is owned: its rules become exactly the listed ones, in order. Chains not
 * listed (kube-proxy's, flannel's, Docker's) are left alone. Only chains that differ are sent.
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type Plan } from '../../api.ts';
import { isBuiltinChain } from './plan.ts';
import { canonicalRule, type TableDump } from './save-format.ts';
import { readTable } from './iptables.ts';
import { IpVersion, TableName } from './schema.ts';

export const RulesetArgs = Type.Object(
  {
    table: Type.Optional(TableName),
    ip_version: Type.Optional(IpVersion),
    chains: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, pattern: '^[^\\s!]+$', description: 'Chain name; created when absent.' }),
          policy: Type.Optional(Type.Union(['ACCEPT', 'DROP'].map((s) => Type.Literal(s)), { description: 'Policy (built-in chains only). Default: leave as is.' })),
          rules: Type.Array(Type.String({ minLength: 1 }), {
            description: 'The rules of the chain, in order, without `-A CHAIN`, as iptables-save prints them (e.g. `-p tcp -m tcp --dport 22 -j ACCEPT`). Addresses, long options and quoting are normalized; match order is not.',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'The chains this task owns.' },
    ),
    wait: Type.Optional(Type.Integer({ minimum: 0, description: 'Seconds to wait for the xtables lock (-w). Default 10.' })),
  },
  { additionalProperties: false },
);
export type RulesetArgs = Static<typeof RulesetArgs>;

export interface RulesetState {
  dump: TableDump;
}

function listing(name: string, policy: string, rules: string[]): string {
  return [`:${name} ${policy}`, ...rules.map((r) => `-A ${name} ${r}`), ''].join('\n');
}

export function planRuleset(s: RulesetState, a: RulesetArgs): Plan {
  const table = a.table ?? 'filter';
  const v6 = a.ip_version === 'ipv6';
  const declare: string[] = [];
  const body: string[] = [];
  const before: string[] = [];
  const after: string[] = [];
  const what: string[] = [];
  for (const c of a.chains) {
    const builtin = isBuiltinChain(table, c.name);
    if (c.policy && !builtin) return { changes: [], failed: `policy applies to built-in chains only, not ${c.name}` };
    const cur = s.dump.get(c.name) ?? (builtin ? { policy: 'ACCEPT', rules: [] } : undefined);
    const want = c.rules.map((r) => canonicalRule(r.replace(/^-A\s+\S+\s+/, ''), v6));
    const policy = builtin ? (c.policy ?? cur!.policy) : '-';
    const same = cur && cur.policy === policy && cur.rules.length === want.length && cur.rules.every((r, i) => r === want[i]);
    if (same) continue;
    const removed = cur ? cur.rules.filter((r) => !want.includes(r)).length : 0;
    const added = want.filter((r) => !cur?.rules.includes(r)).length;
    what.push(`${c.name}${cur ? '' : ' (new)'}${added || removed ? ` +${added} -${removed}` : ''}${cur && cur.policy !== policy ? ` policy ${cur.policy} → ${policy}` : ''}${!added && !removed && cur && cur.policy === policy ? ' (order)' : ''}`);
    before.push(cur ? listing(c.name, cur.policy, cur.rules) : '');
    after.push(listing(c.name, policy, want));
    declare.push(`:${c.name} ${policy} [0:0]`);
    // a declared user chain is flushed by --noflush restore, a built-in one is not: flush both explicitly
    body.push(`-F ${c.name}`, ...want.map((r) => `-A ${c.name} ${r}`));
  }
  if (declare.length === 0) return { changes: [] };
  const bin = v6 ? 'ip6tables-restore' : 'iptables-restore';
  const payload = [`*${table}`, ...declare, ...body, 'COMMIT', ''].join('\n');
  const change: Change = {
    summary: `${bin} --noflush -t ${table}: ${what.join(', ')}`,
    ops: [{ kind: 'exec', cmd: [bin, '-w', String(a.wait ?? 10), '--noflush'], stdin: payload }],
    diff: { path: `${v6 ? 'ip6tables' : 'iptables'} -t ${table}`, before: before.join(''), after: after.join('') },
  };
  return { changes: [change] };
}

export const iptablesRuleset = defineModule({
  name: 'iptables_ruleset',
  schema: RulesetArgs,
  doc: {
    short: 'Own whole iptables chains of one table; apply them atomically with iptables-restore --noflush',
    description: [
      'Each listed chain gets exactly the listed rules, in order; chains that are not listed are never touched, so kube-proxy, flannel and Docker rules survive.',
      'The current table is read with iptables-save; only the chains that differ are sent, in one `iptables-restore --noflush` (all or nothing). Built-in chains keep their policy unless `policy` is given.',
      'Rules are compared in iptables-save\'s spelling: write them as iptables-save prints them (kplay normalizes addresses to CIDR, long generic options to short ones and quoting, but not the order of matches or implicit `-m tcp`).',
    ].join('\n'),
    examples: [
      '- iptables_ruleset:',
      '    table: filter',
      '    chains:',
      '      - name: KPLAY-INPUT',
      '        rules:',
      '          - -p tcp -m tcp --dport 6443 -m comment --comment kube-apiserver -j ACCEPT',
      '          - -p udp -m udp --dport 8472 -j ACCEPT',
      '      - name: INPUT',
      '        rules: [-j KPLAY-INPUT]',
    ].join('\n'),
  },
  validate(a) {
    const names = a.chains.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    return dup ? [{ key: 'chains', message: `chain ${dup} is listed twice` }] : [];
  },
  async read(ctx, a): Promise<RulesetState> {
    return { dump: await readTable(ctx, a.ip_version === 'ipv6', a.table ?? 'filter') };
  },
  plan(state, a) {
    return planRuleset(state, a);
  },
});
