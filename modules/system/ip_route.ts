/**
 * ip_route: one static route in the main table (live, with iproute2's `ip route replace`), e.g. the
 * "hard way" routes from each node to every other node's pod CIDR. Not persisted: the role that
 * wants it runs on every boot's reconvergence (the routes follow the cluster's node list).
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type ReadContext, type Plan } from '../api.ts';
import { runProbes } from '../facts/batch.ts';
import { routeProbe } from './probes.ts';

const schema = Type.Object(
  {
    dest: Type.String({ description: 'The destination network, e.g. 10.244.1.0/24 (a bare address is a host route).', pattern: '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$' }),
    gateway: Type.Optional(Type.String({ description: 'The next hop (`via`), e.g. 198.18.0.12. Required with state present unless dev is given.', pattern: '^[0-9A-Fa-f.:]+$' })),
    dev: Type.Optional(Type.String({ description: 'The outgoing interface; default: whatever the kernel picks for the gateway (not compared then).', pattern: '^[A-Za-z0-9_.@-]+$' })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'present: the route exists with this gateway (replaced when it differs); absent: no route to dest.', default: 'present' })),
  },
  { additionalProperties: false },
);

export type IpRouteArgs = Static<typeof schema>;

export interface RouteState {
  /** The live route to exactly dest, as `ip route show exact` prints it ('' when none). */
  line: string;
}

function family(dest: string): '-4' | '-6' {
  return dest.includes(':') ? '-6' : '-4';
}

function normalDest(dest: string): string {
  return dest.includes('/') ? dest : `${dest}/${dest.includes(':') ? 128 : 32}`;
}

/** `10.244.1.0/24 via 198.18.0.12 dev host0` → {via, dev}; ip prints host routes without /32. */
export function parseRoute(line: string): { via?: string; dev?: string } {
  const w = line.trim().split(/\s+/);
  const at = (k: string) => {
    const i = w.indexOf(k);
    return i >= 0 ? w[i + 1] : undefined;
  };
  const via = at('via');
  const dev = at('dev');
  return { ...(via ? { via } : {}), ...(dev ? { dev } : {}) };
}

function describe(r: { via?: string; dev?: string } | undefined): string {
  if (!r) return '(none)';
  return [r.via ? `via ${r.via}` : '', r.dev ? `dev ${r.dev}` : ''].filter(Boolean).join(' ') || '(direct)';
}

export function planIpRoute(s: RouteState, a: IpRouteArgs): Plan {
  const dest = normalDest(a.dest);
  const present = (a.state ?? 'present') === 'present';
  const cur = s.line.trim() ? parseRoute(s.line) : undefined;
  const result = { dest, ...(cur ? { route: s.line.trim() } : {}) };
  if (!present) {
    if (!cur) return { changes: [], result };
    return {
      changes: [{ summary: `${dest}: ${describe(cur)} → (none)`, ops: [{ kind: 'exec', cmd: ['ip', family(dest), 'route', 'del', dest] }], diff: { path: `route ${dest}`, before: `${describe(cur)}\n`, after: '(none)\n' } }],
      result,
    };
  }
  if (!a.gateway && !a.dev) return { changes: [], failed: 'ip_route: state present needs gateway or dev' };
  const want = { ...(a.gateway ? { via: a.gateway } : {}), ...(a.dev ? { dev: a.dev } : {}) };
  const same = cur && (a.gateway ? cur.via === a.gateway : !cur.via) && (!a.dev || cur.dev === a.dev);
  if (same) return { changes: [], result };
  const cmd = ['ip', family(dest), 'route', 'replace', dest, ...(a.gateway ? ['via', a.gateway] : []), ...(a.dev ? ['dev', a.dev] : [])];
  return {
    changes: [{ summary: `${dest}: ${describe(cur)} → ${describe(want)}`, ops: [{ kind: 'exec', cmd }], diff: { path: `route ${dest}`, before: `${describe(cur)}\n`, after: `${describe(want)}\n` } }],
    result,
  };
}

async function readIpRoute(ctx: ReadContext, a: IpRouteArgs): Promise<RouteState> {
  const r = await runProbes(ctx, { line: routeProbe(family(normalDest(a.dest)), normalDest(a.dest)) });
  return { line: r.line };
}

export const ip_route = defineModule({
  name: 'ip_route',
  schema,
  doc: {
    short: 'Manage one static route (iproute2)',
    description:
      'Keeps one route in the main routing table: `ip route replace DEST via GATEWAY [dev DEV]` when the live route to exactly DEST is missing or has another gateway (or device, when dev is given); `ip route del` with state absent. The route is live only (not written to a network configuration file). Needs iproute2 (`ip`) on the host.',
    examples: `- ip_route: { dest: 10.244.1.0/24, gateway: 198.18.0.12 }
- ip_route: { dest: 10.244.9.0/24, state: absent }`,
    notes: ['Only the main table; metrics and other attributes are not compared.'],
  },
  read: readIpRoute,
  plan: planIpRoute,
});
