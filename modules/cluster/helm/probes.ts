/** helm's read-only command on the host: `helm list` and `helm get values` (and a local chart's Chart.yaml). */
import { sh } from '../../../engine/transport/quote.ts';
import { defineQuery, type HostQuery } from '../../facts/read-only.ts';
import { helmBase } from './plan.ts';
import type { HelmArgs } from './schema.ts';

/** One round trip: is helm there, the release (helm list), its values, a local chart's Chart.yaml. */
function readScript(a: HelmArgs, nonce: string): string {
  const [bin, , kc, , ns] = helmBase(a);
  const M = `KH-${nonce}`;
  return [
    sh`H=${bin!}; KC=${kc!}; NS=${ns!}; R=${a.name}; C=${a.chart ?? ''}`,
    `if ! command -v "$H" >/dev/null 2>&1; then echo '${M} NOHELM'; exit 0; fi`,
    `if [ ! -r "$KC" ]; then echo '${M} NOKUBECONFIG'; exit 0; fi`,
    `if [ -n "$C" ] && [ -f "$C/Chart.yaml" ]; then echo '${M} CHART'; for f in name version; do printf '%s %s\\n' "$f" "$(sed -n "s/^$f:[[:space:]]*//p" "$C/Chart.yaml" | head -n 1 | tr -d '"\\r')"; done; fi`,
    `echo '${M} LIST'`,
    `"$H" --kubeconfig "$KC" --namespace "$NS" list --all --filter "^$R\\$" -o json 2>&1 || { echo '${M} FAILED'; exit 0; }`,
    `echo; echo '${M} VALUES'`,
    `"$H" --kubeconfig "$KC" --namespace "$NS" get values "$R" -o json 2>/dev/null || echo null`,
    `echo; echo '${M} END'`,
  ].join('\n');
}

export function readQuery(a: HelmArgs, nonce: string): HostQuery {
  return defineQuery('helm list', { cmd: readScript(a, nonce) });
}
