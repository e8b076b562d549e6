/**
 * helm: `helm upgrade --install` a release on the host with helm and the admin kubeconfig; changed
 * only when the release is missing, its chart version differs, its values differ from the wanted
 * ones (`helm get values -o json`), or it is not deployed. Check mode runs only the reads.
 */
import { randomBytes } from 'node:crypto';
import { defineModule, type ReadContext } from '../../api.ts';
import { readQuery } from './probes.ts';
import { runProbe } from '../../facts/batch.ts';
import { presence } from '../../facts/command.ts';
import { planHelm, type HelmRelease, type HelmState } from './plan.ts';
import { HelmArgs } from './schema.ts';

export function parseRead(out: string, nonce: string, a: HelmArgs): HelmState {
  const M = `KH-${nonce}`;
  if (out.includes(`${M} NOHELM`)) return { unreachable: `${a.binary ?? 'helm'} is not on the host` };
  if (out.includes(`${M} NOKUBECONFIG`)) return { unreachable: `the kubeconfig ${a.kubeconfig ?? '/etc/kubernetes/admin.conf'} is not on the host` };
  const part = (tag: string): string | undefined => {
    const i = out.indexOf(`${M} ${tag}\n`);
    if (i < 0) return undefined;
    const rest = out.slice(i + M.length + tag.length + 2);
    const j = rest.indexOf(`${M} `);
    return j < 0 ? rest : rest.slice(0, j);
  };
  const state: HelmState = {};
  const chart = part('CHART');
  if (chart !== undefined) {
    const field = (f: string) => /^(\S+) ?(.*)$/.exec(chart.split('\n').find((l) => l.startsWith(`${f} `)) ?? '')?.[2]?.trim().replace(/^'|'$/g, '') ?? '';
    const version = field('version').replace(/^v/, '');
    if (version) state.localChart = { name: field('name'), version };
  }
  const list = part('LIST');
  if (out.includes(`${M} FAILED`)) {
    const msg = (list ?? '').trim();
    return /Kubernetes cluster unreachable|connection refused|no such host|i\/o timeout/.test(msg) ? { ...state, unreachable: msg.split('\n')[0]! } : { error: `helm list failed: ${msg}` };
  }
  try {
    const releases = JSON.parse((list ?? '[]').trim() || '[]') as (HelmRelease & { name: string })[];
    const r = releases.find((x) => x.name === a.name);
    if (r) state.release = { chart: r.chart, status: r.status, ...(r.revision !== undefined ? { revision: String(r.revision) } : {}), ...(r.app_version ? { app_version: r.app_version } : {}) };
    const v = (part('VALUES') ?? 'null').trim();
    state.values = r ? ((JSON.parse(v || 'null') as Record<string, unknown> | null) ?? {}) : {};
  } catch (e) {
    return { error: `helm: cannot parse its output: ${(e as Error).message}` };
  }
  return state;
}

async function readHelm(ctx: ReadContext, a: HelmArgs): Promise<HelmState> {
  const nonce = randomBytes(6).toString('hex');
  const r = await ctx.query(readQuery(a, nonce));
  if (!r.stdout.includes(`KH-${nonce}`)) return { error: `helm: reading the release failed (exit ${r.rc}): ${r.stderr.trim()}` };
  const s = parseRead(r.stdout, nonce, a);
  if (s.unreachable && a.binary && ctx.check) {
    const by = (await runProbe(ctx, presence(a.binary))).plannedBy;
    if (by) s.unreachable += ` (installed by an earlier task: ${by})`;
  }
  return s;
}

export const helm = defineModule({
  name: 'helm',
  schema: HelmArgs,
  doc: {
    short: 'Install or upgrade a helm release (helm upgrade --install), changed only when its chart version or values differ',
    description: [
      'Runs helm on the host with `kubeconfig` (the helm role installs the pinned client through the download role).',
      'Reads `helm list --all -o json` (the chart NAME-VERSION and the status) and `helm get values -o json` in one round trip, and for a chart directory its Chart.yaml version.',
      'state present: `helm upgrade --install NAME CHART --create-namespace [--version V] --reset-values -f -` (the values on stdin) when the release is missing, its chart version differs from chart_version (or the chart directory\'s version), its values differ from `values`, or its status is not deployed. A second run reports changed=0.',
      'state absent: `helm uninstall` when the release exists.',
      'Check mode runs only the reads: it never installs. --diff shows the chart and the values before → after as YAML.',
    ].join('\n'),
    examples: [
      '- helm:',
      '    name: kube-prometheus-stack',
      '    chart: /etc/kubernetes/addons/charts/kube-prometheus-stack',
      '    namespace: monitoring',
      '    values: { grafana: { enabled: true } }',
      '    binary: "{{bin_dir}}/helm"',
      '- helm: { name: old-release, namespace: tools, state: absent }',
    ].join('\n'),
    notes: ['Values are compared as JSON (what helm stores); defaults of the chart are not part of the comparison (helm get values without --all).'],
  },
  validate(a) {
    return (a.state ?? 'present') === 'present' && !a.chart ? [{ key: 'chart', message: 'chart is required with state present' }] : [];
  },
  read: readHelm,
  plan: (s: HelmState, a, pc) => planHelm(s, a, pc.check),
});
