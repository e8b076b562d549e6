/**
 * k8s's read-only commands on the host: `kubectl get` and a server-side dry run of the apply
 * (which the apiserver never persists), and the waits (`kubectl wait`, `rollout status`), which
 * only watch.
 */
import { sh } from '../../../engine/transport/quote.ts';
import { defineQuery, type HostQuery } from '../../facts/read-only.ts';
import type { K8sObject } from './objects.ts';
import { kubectlBase, waitOps } from './plan.ts';
import { K8S_FIELD_MANAGER, type K8sArgs } from './schema.ts';

export const UNREACHABLE = /Unable to connect to the server|dial tcp|connection refused|no such host|i\/o timeout|TLS handshake timeout|no route to host/;

/** The shell that runs the reads; its stdin is the objects, one JSON line each. */
export function readScript(a: K8sArgs, nonce: string, dryRun: boolean): string {
  const base = kubectlBase(a);
  const force = a.force_conflicts ? ' --force-conflicts' : '';
  return [
    sh`K=${base[0]!}; KC=${base[2]!}`,
    `N=${a.namespace ? sh`${a.namespace}` : "''"}`,
    `M=KP-${nonce}`,
    'm=$(cat)',
    'if ! command -v "$K" >/dev/null 2>&1; then printf \'%s NOKUBECTL\\n\' "$M"; exit 0; fi',
    'if [ ! -r "$KC" ]; then printf \'%s NOKUBECONFIG\\n\' "$M"; exit 0; fi',
    // stdout straight to the output (fd 3), stderr into $e
    'kp_run() { label=$1; shift',
    '  if [ -n "$N" ]; then set -- -n "$N" "$@"; fi',
    '  { e=$(printf \'%s\\n\' "$in" | "$K" --kubeconfig "$KC" "$@" 2>&1 >&3 3>&-); rc=$?; } 3>&1',
    '  printf \'\\n%s-END %s %s\\n%s\\n%s-ERR\\n\' "$M" "$label" "$rc" "$e" "$M"',
    '}',
    `kp_unreachable() { case "$e" in ${UNREACHABLE.source.split('|').map((p) => `*"${p.replace(/\\/g, '')}"*`).join('|')}) return 0;; esac; return 1; }`,
    'kp_each() { what=$1; shift; i=0; printf \'%s\\n\' "$m" | while IFS= read -r o; do in=$o; kp_run "$what.$i" "$@"; i=$((i+1)); done; }',
    'in=$m; kp_run get get -o json --ignore-not-found -f -',
    'if [ "$rc" != 0 ]; then if kp_unreachable; then exit 0; fi; kp_each get get -o json --ignore-not-found -f -; fi',
    ...(dryRun
      ? [
          `in=$m; kp_run dry apply --server-side --dry-run=server --field-manager=${K8S_FIELD_MANAGER}${force} -o json -f -`,
          `if [ "$rc" != 0 ]; then if kp_unreachable; then exit 0; fi; kp_each dry apply --server-side --dry-run=server --field-manager=${K8S_FIELD_MANAGER}${force} -o json -f -; fi`,
        ]
      : []),
  ].join('\n');
}

/** The reads, the objects on stdin (one JSON line each). */
export function readQuery(a: K8sArgs, nonce: string, dryRun: boolean, objects: K8sObject[]): HostQuery {
  return defineQuery('kubectl get', { cmd: readScript(a, nonce, dryRun), stdin: objects.map((o) => JSON.stringify(o)).join('\n') });
}

/** The waits the arguments ask for, as queries: they run in read() when nothing is to apply. */
export function waitQueries(objs: K8sObject[], a: K8sArgs): HostQuery[] {
  return waitOps(objs, a).flatMap((op) => {
    if (op.kind !== 'exec' || !Array.isArray(op.cmd)) return [];
    const verb = op.cmd.slice(kubectlBase(a).length, kubectlBase(a).length + 2);
    // waitOps makes only these; anything else is not a read and does not run here
    if (verb[0] !== 'wait' && !(verb[0] === 'rollout' && verb[1] === 'status')) return [];
    return [defineQuery(`kubectl ${verb.join(' ')}`, { cmd: op.cmd, ...(typeof op.stdin === 'string' ? { stdin: op.stdin } : {}), ...(op.timeoutMs ? { timeoutMs: op.timeoutMs } : {}) })];
  });
}
