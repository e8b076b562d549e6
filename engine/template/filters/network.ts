/** ansible.utils' ipaddr family, on top of cidr.ts. */
import { ipaddrQuery, ipMath, ipWrap, nthHost } from '../cidr.ts';
import type { Filter } from './types.ts';

export const NETWORK_FILTERS: Record<string, Filter> = {
  ipaddr: (v, [query]) => ipaddrQuery(v, query ?? ''),
  ipv4: (v, [query]) => (ipaddrQuery(v, 'ipv4') === false ? false : ipaddrQuery(v, query ?? '')),
  ipv6: (v, [query]) => (ipaddrQuery(v, 'ipv6') === false ? false : ipaddrQuery(v, query ?? '')),
  ipwrap: (v) => (Array.isArray(v) ? v.map(ipWrap) : ipWrap(v)),
  ipmath: (v, [amount]) => ipMath(v, amount),
  nthhost: (v, [n]) => nthHost(v, n),
};
