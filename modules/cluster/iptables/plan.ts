/** iptables' plan: pure, from the table as iptables-save printed it to the commands that fix it. */
import type { ChainEffect, Change, Op, Plan } from '../../api.ts';
import type { ChainDump, TableDump } from './save-format.ts';
import { buildRule, hasRule } from './rule.ts';
import type { IptablesArgs } from './schema.ts';

export interface IptablesState {
  /** undefined when the table does not exist yet (nft creates it on first use). */
  dump: TableDump;
  /** An earlier task of this run creates the chain (check mode). */
  chainAfter?: string;
}

const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function isBuiltinChain(table: string, chain: string): boolean {
  return (BUILTIN[table] ?? []).includes(chain);
}

/** The chain as an effect: what `-N` (present) or `-X` (absent) does, for the ledger. */
function chainEffect(a: Pick<IptablesArgs, 'ip_version' | 'table' | 'chain'>, state: ChainEffect['state']): ChainEffect {
  return { kind: 'chain', family: a.ip_version ?? 'ipv4', table: a.table ?? 'filter', chain: a.chain, state };
}

function listing(chain: string, c: ChainDump | undefined): string {
  if (!c) return '';
  return [`:${chain} ${c.policy}`, ...c.rules.map((r) => `-A ${chain} ${r}`), ''].join('\n');
}

export function planIptables(s: IptablesState, a: IptablesArgs): Plan {
  const table = a.table ?? 'filter';
  const bin = a.ip_version === 'ipv6' ? 'ip6tables' : 'iptables';
  const label = `${bin} -t ${table}`;
  const cmd = (...words: string[]): Op => ({ kind: 'exec', cmd: [bin, '-w', String(a.wait ?? 10), '-t', table, ...words] });
  const builtin = isBuiltinChain(table, a.chain);
  const existing = s.dump.get(a.chain);
  let cur: ChainDump | undefined = existing ? { policy: existing.policy, rules: [...existing.rules] } : builtin || s.chainAfter ? { policy: builtin ? 'ACCEPT' : '-', rules: [] } : undefined;
  const changes: Change[] = [];
  const step = (summary: string, ops: Op[], next: ChainDump | undefined, extra: Partial<Change> = {}) => {
    changes.push({ summary, ops, diff: { path: `${label} ${a.chain}`, before: listing(a.chain, cur), after: listing(a.chain, next) }, ...extra });
    cur = next;
  };
  const rule = hasRule(a) ? buildRule(a) : undefined;

  if ((a.state ?? 'present') === 'present') {
    if (!cur) {
      if (!a.chain_management) return { changes: [], failed: `chain ${a.chain} does not exist in ${label} (set chain_management: true to create it)` };
      step(`create chain ${a.chain} (${label})`, [cmd('-N', a.chain)], { policy: '-', rules: [] }, { effects: [chainEffect(a, 'present')] });
    }
    // flush with a rule means "the chain holds just this rule": already so, nothing to do
    const onlyRule = rule && cur!.rules.length === 1 && cur!.rules[0] === rule.saved;
    if (a.flush && cur!.rules.length > 0 && !onlyRule) step(`flush ${a.chain} (${cur!.rules.length} rules)`, [cmd('-F', a.chain)], { ...cur!, rules: [] });
    if (a.policy) {
      if (!builtin) return { changes: [], failed: `policy applies to built-in chains only, not ${a.chain}` };
      if (cur!.policy !== a.policy) step(`policy ${a.chain} ${cur!.policy} → ${a.policy}`, [cmd('-P', a.chain, a.policy)], { ...cur!, policy: a.policy });
    }
    if (rule && !cur!.rules.includes(rule.saved)) {
      const insert = a.action === 'insert';
      const at = Math.min((a.rule_num ?? 1) - 1, cur!.rules.length);
      const rules = [...cur!.rules];
      if (insert) rules.splice(at, 0, rule.saved);
      else rules.push(rule.saved);
      step(
        `+ -A ${a.chain} ${rule.saved}${insert ? ` (at ${at + 1})` : ''}`,
        [insert ? cmd('-I', a.chain, String(at + 1), ...rule.argv) : cmd('-A', a.chain, ...rule.argv)],
        { ...cur!, rules },
      );
    }
  } else {
    if (!cur) return { changes: [] };
    if (rule) {
      const n = cur.rules.filter((r) => r === rule.saved).length;
      if (n > 0) {
        step(
          `- -A ${a.chain} ${rule.saved}${n > 1 ? ` (${n} copies)` : ''}`,
          Array.from({ length: n }, () => cmd('-D', a.chain, ...rule.argv)),
          { ...cur, rules: cur.rules.filter((r) => r !== rule.saved) },
        );
      }
    } else if (a.flush && cur.rules.length > 0) {
      step(`flush ${a.chain} (${cur.rules.length} rules)`, [cmd('-F', a.chain)], { ...cur, rules: [] });
    }
    if (!rule && a.chain_management && existing) {
      if (builtin) return { changes, failed: `cannot delete built-in chain ${a.chain}` };
      step(`delete chain ${a.chain} (${label})`, [...(cur.rules.length ? [cmd('-F', a.chain)] : []), cmd('-X', a.chain)], undefined, {
        effects: [chainEffect(a, 'absent')],
      });
    }
  }
  return { changes };
}
