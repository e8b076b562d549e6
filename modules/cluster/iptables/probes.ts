/** iptables' read-only command on the host: iptables-save of one table. */
import { sh } from '../../../engine/transport/quote.ts';
import { defineQuery, type HostQuery } from '../../facts/read-only.ts';

/** Exit 127 with a message when the iptables binary is missing. */
export function saveQuery(ipv6: boolean, table: string): HostQuery {
  const save = ipv6 ? 'ip6tables-save' : 'iptables-save';
  const bin = ipv6 ? 'ip6tables' : 'iptables';
  return defineQuery(save, { cmd: sh`command -v ${bin} >/dev/null 2>&1 || { echo ${`${bin} not found on the host`} >&2; exit 127; }; ${save} -t ${table}` });
}
