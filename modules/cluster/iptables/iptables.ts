/**
 * iptables / ip6tables: one rule, or a chain's existence, flush and policy. Idempotent by reading
 * `iptables-save -t TABLE` once and comparing the rule in iptables-save's own spelling.
 */
import { defineModule } from '../../api.ts';
import type { QueryRunner } from '../../facts/read-only.ts';
import { runQuery } from '../../facts/query.ts';
import { tableQuery } from './probes.ts';
import { planIptables, type IptablesState } from './plan.ts';
import { hasRule, ruleProblems } from './rule.ts';
import type { TableDump } from './save-format.ts';
import { IptablesArgs } from './schema.ts';

/** iptables-save of one table; a table that does not exist yet (nft) is empty, not an error. */
export async function readTable(ctx: QueryRunner, ipv6: boolean, table: string): Promise<TableDump> {
  return (await runQuery(ctx, tableQuery(ipv6, table))).dump;
}

export const iptables = defineModule({
  name: 'iptables',
  schema: IptablesArgs,
  doc: {
    short: 'Manage one iptables/ip6tables rule, or a chain (create, flush, policy, delete)',
    description: [
      'Reads `iptables-save -t TABLE` (one round trip) and compares the rule as iptables-save prints it: addresses get /32 (/128) and lose host bits, ctstate is ordered, the comment is quoted like xtables does, REJECT shows its default --reject-with.',
      'The command lists matches in the order iptables-save prints them: -s -d -i -o -p, the protocol match (--sport --dport), multiport, conntrack, `match` entries, comment, then -j and target options.',
      'state present adds a missing rule (append, or insert at rule_num) and never moves an existing one; state absent deletes every copy.',
      'Works with iptables-nft and iptables-legacy alike: it uses whatever `iptables` is on the host. The diff shows the chain before and after.',
    ].join('\n'),
    examples: [
      '- iptables:',
      '    chain: INPUT',
      '    protocol: tcp',
      '    destination_port: 6443',
      '    ctstate: [NEW]',
      '    comment: kube-apiserver',
      '    jump: ACCEPT',
      '- iptables: { table: nat, chain: POSTROUTING, source: 10.244.0.0/16, destination: "! 10.244.0.0/16", jump: MASQUERADE }',
      '- iptables: { chain: KPLAY-FW, chain_management: true }',
    ].join('\n'),
    notes: ['`match` entries are taken verbatim: write them as iptables-save prints them, or the rule will be added again on every run.'],
  },
  validate(a) {
    const errs = ruleProblems(a);
    if (a.policy && hasRule(a)) errs.push({ key: 'policy', message: 'set a policy in a task of its own, without rule arguments' });
    if (!hasRule(a) && !a.chain_management && !a.flush && !a.policy) errs.push({ key: 'jump', message: 'nothing to do: give a rule (jump, matches …), chain_management, flush or policy' });
    return errs;
  },
  async read(ctx, a): Promise<IptablesState> {
    // check mode: a chain that an earlier task of the run creates is there (chainAfter)
    return runQuery(ctx, tableQuery(a.ip_version === 'ipv6', a.table ?? 'filter', a.chain));
  },
  plan(state, a) {
    return planIptables(state, a);
  },
});
