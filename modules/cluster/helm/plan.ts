/** The helm module's pure part: the release as helm reports it + the wanted chart version and values → changes. */
import { isDeepStrictEqual } from 'node:util';
import { dump } from 'js-yaml';
import type { Change, Op, Plan } from '../../api.ts';
import type { HelmArgs } from './schema.ts';

export interface HelmRelease {
  /** `helm list -o json`'s chart field: NAME-VERSION. */
  chart: string;
  status: string;
  revision?: string;
  app_version?: string;
}

export interface HelmState {
  /** helm is not on the host, or the cluster cannot be reached: the reason. */
  unreachable?: string;
  error?: string;
  release?: HelmRelease;
  /** `helm get values -o json` (user-supplied values; null → {}). */
  values?: Record<string, unknown>;
  /** The chart directory's Chart.yaml name and version, when chart is a directory on the host. */
  localChart?: { name: string; version: string };
}

/** The version part of helm list's NAME-VERSION (a chart name may contain dashes; a version starts with a digit). */
export function chartVersionOf(chart: string): string {
  const m = /-(v?\d[^-]*(?:-[^-]+)*)$/.exec(chart);
  return m ? m[1]!.replace(/^v/, '') : '';
}

const yaml = (v: unknown): string => (v && typeof v === 'object' && Object.keys(v).length ? dump(v, { sortKeys: true, lineWidth: -1 }) : '{}\n');

export function helmBase(a: HelmArgs): string[] {
  return [a.binary ?? 'helm', '--kubeconfig', a.kubeconfig ?? '/etc/kubernetes/admin.conf', '--namespace', a.namespace ?? 'default'];
}

export function wantedVersion(s: HelmState, a: HelmArgs): string | undefined {
  return a.chart_version?.replace(/^v/, '') ?? s.localChart?.version;
}

export function planHelm(s: HelmState, a: HelmArgs, check: boolean): Plan {
  if (s.error) return { changes: [], failed: s.error };
  const id = `helm release ${a.namespace ?? 'default'}/${a.name}`;
  if ((a.state ?? 'present') === 'absent') {
    if (s.unreachable) return check ? { changes: [], result: { msg: `cannot read the release (${s.unreachable}): nothing to uninstall` } } : { changes: [], failed: `cannot read the release: ${s.unreachable}` };
    if (!s.release) return { changes: [] };
    const op: Op = { kind: 'exec', cmd: [...helmBase(a), 'uninstall', a.name, '--wait', `--timeout=${a.timeout ?? 600}s`], timeoutMs: ((a.timeout ?? 600) + 60) * 1000 };
    return { changes: [{ summary: `uninstall ${id} (${s.release.chart})`, ops: [op], diff: { path: id, before: `chart: ${s.release.chart}\nvalues:\n${indent(yaml(s.values ?? {}))}`, after: '' } }] };
  }
  if (!a.chart) return { changes: [], failed: 'chart is required with state present' };
  const values = a.values ?? {};
  const want = wantedVersion(s, a);
  if (s.unreachable && !check) return { changes: [], failed: `cannot read the release: ${s.unreachable}` };
  const op: Op = {
    kind: 'exec',
    cmd: [
      ...helmBase(a),
      'upgrade',
      '--install',
      a.name,
      a.chart,
      '--create-namespace',
      ...(a.chart_version ? ['--version', a.chart_version] : []),
      '--reset-values',
      '-f',
      '-',
      ...(a.wait ? ['--wait'] : []),
      `--timeout=${a.timeout ?? 600}s`,
    ],
    stdin: JSON.stringify(values),
    timeoutMs: ((a.timeout ?? 600) + 60) * 1000,
  };
  const render = (chart: string, v: unknown) => `chart: ${chart}\nvalues:\n${indent(yaml(v))}`;
  const wantChart = want ? `${s.localChart?.name ?? a.chart}-${want}` : a.chart;
  if (!s.release) {
    const why = s.unreachable ? ` (the release cannot be read: ${s.unreachable})` : '';
    return { changes: [{ summary: `install ${id} (${wantChart})${why}`, ops: [op], diff: { path: id, before: '', after: render(wantChart, values) } }], result: { action: 'install' } };
  }
  const have = chartVersionOf(s.release.chart);
  const reasons: string[] = [];
  if (want && have !== want) reasons.push(`chart ${have || '?'} → ${want}`);
  if (!isDeepStrictEqual(normalizeValues(s.values), normalizeValues(values))) reasons.push('values');
  if (s.release.status !== 'deployed') reasons.push(`status ${s.release.status}`);
  if (!reasons.length) return { changes: [], result: { action: 'none', chart: s.release.chart } };
  const change: Change = {
    summary: `upgrade ${id}: ${reasons.join(', ')}`,
    ops: [op],
    diff: { path: id, before: render(s.release.chart, s.values ?? {}), after: render(want ? `${s.release.chart.slice(0, s.release.chart.length - have.length)}${want}` : s.release.chart, values) },
  };
  return { changes: [change], result: { action: 'upgrade' } };
}

function indent(t: string): string {
  return t
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n') + '\n';
}

/** Values as JSON round-trips them (helm stores JSON): numbers, strings, nesting; null → {}. */
export function normalizeValues(v: unknown): unknown {
  return v === null || v === undefined ? {} : JSON.parse(JSON.stringify(v));
}
