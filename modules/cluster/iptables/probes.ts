/** iptables' read-only command on the host: iptables-save of one table, parsed. */
import { sh } from '../../../engine/transport/quote.ts';
import type { ExecResult } from '../../../engine/transport/transport.ts';
import type { Ledger } from '../../api.ts';
import { defineParsedQuery, defineQuery, type HostQuery, type ParsedQuery } from '../../facts/read-only.ts';
import { parseSave, type TableDump } from './save-format.ts';

/** Exit 127 with a message when the iptables binary is missing. */
export function saveQuery(ipv6: boolean, table: string): HostQuery {
  const save = ipv6 ? 'ip6tables-save' : 'iptables-save';
  const bin = ipv6 ? 'ip6tables' : 'iptables';
  return defineQuery(save, { cmd: sh`command -v ${bin} >/dev/null 2>&1 || { echo ${`${bin} not found on the host`} >&2; exit 127; }; ${save} -t ${table}` });
}

export interface TableRead {
  dump: TableDump;
  /** Check mode: the chain is created by this earlier task of the run. */
  chainAfter?: string;
}

/**
 * The table as iptables-save prints it; a table that does not exist yet (nft) is empty, not an
 * error. With a chain: in check mode, whether an earlier task of the run creates it.
 */
export function tableQuery(ipv6: boolean, table: string, chain?: string): ParsedQuery<TableRead> {
  const save = ipv6 ? 'ip6tables-save' : 'iptables-save';
  const parse = (r: ExecResult): TableRead => {
    if (r.rc === 127) throw new Error(r.stderr.trim());
    if (r.rc !== 0) {
      if (/does not exist|Table does not exist|can't initialize/i.test(r.stderr)) return { dump: parseSave('', table) };
      throw new Error(`${save} -t ${table} failed (exit ${r.rc}): ${r.stderr.trim()}`);
    }
    return { dump: parseSave(r.stdout, table) };
  };
  if (chain === undefined) return defineParsedQuery({ query: saveQuery(ipv6, table), parse });
  const planned = (found: TableRead, ledger: Ledger): TableRead => {
    const e = ledger.chain(ipv6 ? 'ipv6' : 'ipv4', table, chain);
    return e && e.state !== 'absent' ? { ...found, chainAfter: e.by } : found;
  };
  return defineParsedQuery({ query: saveQuery(ipv6, table), parse, planned });
}
