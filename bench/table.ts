/**
 * The markdown table of a results file (default: the newest in bench/results/):
 *   node --import tsx bench/table.ts [bench/results/<time>.json]
 * Medians over repetitions; ratio = kplay / Ansible (wall time); CPU per task per host =
 * controller CPU / (hosts × task results per host). kplay's CPU and memory include its connection
 * keeper's (bench/lib/keeper.ts). Results of `run.ts --commits OLD,NEW`: OLD against NEW instead,
 * for each kplay variant, with NEW's change in percent.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunRecord } from './run.ts';
import { variantKind } from './lib/variants.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function latest(dir: string): string {
  const files = readdirSync(dir).filter((f) => /^\d{4}-.*\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no results in ${dir}`);
  return join(dir, files.at(-1)!);
}

/** Medians per size, phase and variant, over the runs that are measurements. */
function stats(runs: RunRecord[]) {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    // not measurements: the lab vanished under the run (taken down by someone else), or a run broke
    if (r.labLost || r.recap.hosts !== r.n || r.recap.unreachable > 0) continue;
    if (r.phase !== 'check_fresh' && r.recap.failed > 0) continue;
    const k = `${r.n}|${r.phase}|${r.variant}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const stat = (n: number, phase: string, variant: string) => {
    const rs = groups.get(`${n}|${phase}|${variant}`);
    if (!rs) return undefined;
    const tasks = median(rs.map((r) => (r.recap.ok + r.recap.failed + r.recap.skipped) / Math.max(1, r.recap.hosts)));
    return {
      reps: rs.length,
      wall: median(rs.map((r) => r.wallS)),
      cpu: median(rs.map((r) => r.cpuS)),
      // kplay: the run's process plus its connection keeper (not a child once an earlier run started it)
      rss: median(rs.map((r) => (r.keeperRssMB !== undefined ? r.maxRssMB + r.keeperRssMB : r.treeRssMB))),
      pss: median(rs.map((r) => r.treePssMB ?? NaN).filter((x) => !Number.isNaN(x))),
      failed: Math.max(...rs.map((r) => r.recap.failed)),
      changed: median(rs.map((r) => r.recap.changed)),
      cpuPerTaskHostMs: (1000 * median(rs.map((r) => r.cpuS))) / (n * tasks),
      hostsCpu: median(rs.map((r) => r.hostsCpuS ?? NaN).filter((x) => !Number.isNaN(x))),
    };
  };
  return stat;
}

const PHASES = ['check_fresh', 'first', 'second', 'check_after'];
const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
const sizesOf = (runs: RunRecord[]) => [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b);

export function table(runs: RunRecord[]): string {
  const stat = stats(runs);
  const variants = [...new Set(runs.map((r) => r.variant))].filter((v) => v !== 'ansible');
  const sizes = sizesOf(runs);
  const lines: string[] = [];
  for (const v of variants) {
    lines.push(`| hosts | phase | ${v} wall s | Ansible wall s | ${v}/Ansible | speed-up | ${v} CPU s | Ansible CPU s | ${v} CPU ms per task·host | ${v} peak RSS MB (run + keeper) | Ansible peak RSS MB (all processes) | peak PSS MB ${v} / Ansible | hosts' CPU s ${v} / Ansible | reps | failed hosts |`);
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
    for (const n of sizes) {
      for (const p of PHASES) {
        const k = stat(n, p, v);
        const a = stat(n, p, 'ansible');
        if (!k && !a) continue;
        const ratio = k && a ? k.wall / a.wall : undefined;
        lines.push(`| ${n} | ${p} | ${f(k?.wall)} | ${f(a?.wall)} | ${f(ratio, 3)} | ${ratio ? `${(1 / ratio).toFixed(1)}×` : '–'} | ${f(k?.cpu)} | ${f(a?.cpu)} | ${f(k?.cpuPerTaskHostMs, 1)} | ${f(k?.rss, 0)} | ${f(a?.rss, 0)} | ${f(k?.pss, 0)} / ${f(a?.pss, 0)} | ${f(k?.hostsCpu, 1)} / ${f(a?.hostsCpu, 1)} | ${k?.reps ?? 0}/${a?.reps ?? 0} | ${k?.failed ?? '–'}/${a?.failed ?? '–'} |`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** OLD against NEW for each kplay kind measured at both commits (`kplay@OLD` against `kplay@NEW`). */
export function commitTable(runs: RunRecord[], [older, newer]: string[]): string {
  const stat = stats(runs);
  const pct = (a: number | undefined, b: number | undefined) => {
    if (!a || b === undefined) return '–';
    const p = Math.round((100 * (b - a)) / a);
    return `${p < 0 ? '−' : '+'}${Math.abs(p)}%`;
  };
  const kinds = [...new Set(runs.map((r) => variantKind(r.variant)))].filter((k) => k !== 'ansible');
  const lines: string[] = [];
  for (const kind of kinds) {
    const [a, b] = [`${kind}@${older}`, `${kind}@${newer}`];
    lines.push(`| hosts | phase | ${kind} wall s ${older} → ${newer} | wall | CPU s ${older} → ${newer} | CPU | hosts' CPU s | peak RSS MB (run + keeper if any) | peak PSS MB | changed (median) | reps |`);
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const n of sizesOf(runs)) {
      for (const p of PHASES) {
        const o = stat(n, p, a);
        const w = stat(n, p, b);
        if (!o && !w) continue;
        lines.push(`| ${n} | ${p} | ${f(o?.wall)} → ${f(w?.wall)} | ${pct(o?.wall, w?.wall)} | ${f(o?.cpu)} → ${f(w?.cpu)} | ${pct(o?.cpu, w?.cpu)} | ${f(o?.hostsCpu, 1)} → ${f(w?.hostsCpu, 1)} | ${f(o?.rss, 0)} → ${f(w?.rss, 0)} | ${f(o?.pss, 0)} → ${f(w?.pss, 0)} | ${f(o?.changed, 0)} / ${f(w?.changed, 0)} | ${o?.reps ?? 0}/${w?.reps ?? 0} |`);
      }
    }
    lines.push('');
  }
  return lines.join('\n');
}

const file = process.argv[2] ? resolve(process.argv[2]) : latest(resolve(import.meta.dirname, 'results'));
const res = JSON.parse(readFileSync(file, 'utf8')) as { runs: RunRecord[]; machine: { load1AtStart: number }; started: string; versions: { node: string; ansible?: string; kplayCommit: string; commits?: string[] }; problems: string[] };
const loads = res.runs.map((r) => r.load1Before);
console.log(`<!-- ${file} -->`);
console.log(`Run ${res.started}; node ${res.versions.node}; ${res.versions.ansible ?? ''}; kplay ${res.versions.commits?.length ? res.versions.commits.join(' against ') : res.versions.kplayCommit}; load average (1 min) before each run: median ${median(loads).toFixed(1)}, min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}.\n`);
const commits = res.versions.commits ?? [];
console.log(commits.length === 2 ? commitTable(res.runs, commits) : table(res.runs));
if (res.problems.length > 0) console.log(`Problems:\n${res.problems.map((p) => `- ${p}`).join('\n')}`);
