/**
 * kplay against Ansible on the same real hosts (see docs/benchmarks.md). Run as root, by hand:
 *
 *   node --import tsx bench/run.ts                       # the full matrix (~40 min on 2 cores)
 *   node --import tsx bench/run.ts --sizes 3 --reps 1 --ansible 3:1:all    # a quick look
 *   node --import tsx bench/table.ts                     # the markdown table of the latest results
 *
 * For each size N and repetition, each tool gets a fresh lab of N hosts (the same clean image) and
 * runs the workload four times: check on fresh hosts, first run, second run (must change nothing),
 * check after. After the first run the hosts' state is read back; both tools must leave the same
 * state. Tools alternate within a repetition so that load on the machine hits both alike.
 *
 * Two kplay commits against each other (kplay only, each commit built on its own, alternating):
 *   node --import tsx bench/run.ts --commits d5e05aa,main --sizes 10 --reps 3 --variants kplay,kplay-direct
 * Results: bench/results/<time>.json (written after every run, so a partial run keeps its data).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLab, type Lab } from '../test/support/lab.ts';
import { labCpuS, measure, writeLog } from './lib/measure.ts';
import { parseRecap, type Recap } from './lib/recap.ts';
import { serveArtifact } from './lib/artifact.ts';
import { collectState, compareStates, installPython, type HostState } from './lib/hosts.ts';
import { ensureAnsible, invocation, writeAnsibleCfg, PHASES, WORKLOAD, type Phase } from './lib/tools.ts';
import { shortCommit, snapshotTree, type Variant, variantCommit, variantKind, variantTool } from './lib/variants.ts';
import { keeperPids, keeperUsage, stopKeepers } from './lib/keeper.ts';

interface Options {
  sizes: number[];
  reps: number;
  variants: Variant[];
  /** Per size: Ansible's repetitions and phases (Ansible takes minutes per run); a size without an entry is kplay only. */
  ansiblePlan: Map<number, { reps: number; phases: Phase[] }>;
  /** Per size: kplay's repetitions when not --reps. */
  kplayReps: Map<number, number>;
  /** --commits OLD,NEW: every kplay variant runs at each of these commits instead of the working tree. */
  commits: string[];
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    sizes: [3, 10, 100, 30],
    reps: 3,
    variants: ['kplay', 'ansible'],
    ansiblePlan: new Map([
      [3, { reps: 3, phases: [...PHASES] }],
      [10, { reps: 3, phases: [...PHASES] }],
      [30, { reps: 3, phases: [...PHASES] }],
    ]),
    kplayReps: new Map([[100, 2]]),
    commits: [],
    out: resolve(import.meta.dirname, 'results'),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--sizes': o.sizes = v.split(',').filter(Boolean).map(Number); i++; break;
      case '--reps': o.reps = Number(v); i++; break;
      case '--variants': o.variants = v.split(',') as Variant[]; i++; break;
      // --ansible 30:1:first+second (repeatable; 'all' = every phase; reps 0 = kplay only at that size)
      case '--ansible': {
        const [n, reps, phases] = v.split(':');
        o.ansiblePlan.set(Number(n), { reps: Number(reps), phases: !phases || phases === 'all' ? [...PHASES] : (phases.split('+') as Phase[]) });
        i++;
        break;
      }
      case '--commits': {
        o.commits = v.split(',').filter(Boolean).map(shortCommit);
        if (o.commits.length !== 2) throw new Error('--commits takes two revisions: OLD,NEW');
        i++;
        break;
      }
      case '--kplay-reps': { const [n, r] = v.split(':'); o.kplayReps.set(Number(n), Number(r)); i++; break; }
      case '--out': o.out = resolve(v); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  // kplay@OLD, kplay@NEW, kplay-direct@OLD, …: the commits alternate within a repetition
  if (o.commits.length > 0) o.variants = o.variants.flatMap((v) => (variantTool(v) === 'kplay' ? o.commits.map((c) => `${v}@${c}` as Variant) : [v]));
  return o;
}

export interface RunRecord {
  variant: Variant;
  n: number;
  rep: number;
  phase: Phase;
  wallS: number;
  cpuS: number;
  userS: number;
  sysS: number;
  maxRssMB: number;
  /** Peak summed RSS of the tool's processes sampled together (kplay: the run and its keeper). */
  treeRssMB: number;
  /** Peak summed PSS of the same processes (absent in results from before it was measured). */
  treePssMB?: number;
  exitCode: number;
  recap: Recap;
  load1Before: number;
  /** The lab was taken down by someone else during this run: not a measurement. */
  labLost?: boolean;
  /** CPU seconds used inside the lab's hosts during the run (their cgroup; the hosts share this machine's cores). */
  hostsCpuS: number;
  /** kplay's connection keeper: its CPU during the run (included in cpuS) and its peak memory (bench/lib/keeper.ts). */
  keeperCpuS?: number;
  keeperRssMB?: number;
  log: string;
}

class LabLost extends Error {}


const log = (m: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('bench/run.ts needs root (it starts lab hosts)');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const logDir = join(o.out, `${stamp}-logs`);
  mkdirSync(logDir, { recursive: true });
  const resultFile = join(o.out, `${stamp}.json`);
  const ansibleVersion = o.variants.includes('ansible') ? ensureAnsible(log) : undefined;
  // the code under test must not change while the benchmark runs (others edit this tree): a snapshot
  // of the tree, or of each commit, built once
  const entries = new Map<string | undefined, string>();
  for (const v of o.variants.filter((v) => variantTool(v) === 'kplay')) {
    const commit = variantCommit(v);
    if (!entries.has(commit)) entries.set(commit, snapshotTree(log, commit));
  }
  const results = {
    started: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, load1AtStart: loadavg()[0] },
    versions: { node: process.version, ansible: ansibleVersion, kplayCommit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(), commits: o.commits },
    options: o,
    runs: [] as RunRecord[],
    comparisons: [] as { n: number; a: Variant; b: Variant; diffs: string[] }[],
    problems: [] as string[],
    finished: undefined as string | undefined,
  };
  const save = () => writeFileSync(resultFile, `${JSON.stringify(results, null, 2)}\n`);
  const firstState = new Map<string, HostState[]>();

  // kplay's connection keeper lives here while the benchmark runs (bench/lib/keeper.ts)
  const keeperDir = mkdtempSync(join(tmpdir(), 'kplay-bench-keeper-'));
  /** withAnsible: the hosts get Python and the first run's end state is kept, to compare with Ansible's; compareState: the state is kept for comparing kplay commits. */
  const oneLab = async (variant: Variant, n: number, rep: number, phases: readonly Phase[], withAnsible: boolean, compareState = false) => {
    const tool = variantTool(variant);
    // each repetition's first run starts the keeper, as an operator's first run does
    await stopKeepers(keeperDir);
    const lab: Lab = await startLab(n, { name: 'bench' });
    const work = mkdtempSync(join(tmpdir(), 'kplay-bench-ansible-'));
    const artifact = await serveArtifact(lab.controllerAddress, join(WORKLOAD, 'artifact', 'bench-tool'));
    try {
      // both tools get the same hosts: Python is copied in for Ansible's sake, kplay ignores it
      if (withAnsible) await installPython(lab);
      const ansibleCfg = tool === 'ansible' ? writeAnsibleCfg(work, lab) : undefined;
      for (const phase of phases) {
        const inv = invocation(tool, phase, lab, { artifactUrl: artifact.url, checksum: artifact.checksum, ansibleCfg, kplayEntry: entries.get(variantCommit(variant)), fromSource: variantKind(variant) === 'kplay-tsx', keeperDir, persist: variantKind(variant) !== 'kplay-direct' });
        // warm the on-disk caches (tsx transforms, compiled schemas) outside the timing, as a user's
        // second invocation of unchanged code finds them
        if (tool === 'kplay') execFileSync(inv.argv[0]!, [...inv.argv.slice(1), '--syntax-check'], { env: inv.env, stdio: 'ignore' });
        const load1Before = loadavg()[0]!;
        const hostsCpu0 = labCpuS(lab.name);
        const keeper0 = keeperUsage(keeperDir);
        const m = await measure(inv.argv, { env: inv.env, ...(tool === 'kplay' ? { alsoPids: () => keeperPids(keeperDir) } : {}) });
        const hostsCpuS = labCpuS(lab.name) - hostsCpu0;
        const keeper = keeperUsage(keeperDir);
        const keeperCpuS = keeper.cpuS - keeper0.cpuS;
        m.cpuS += keeperCpuS;
        const logPath = join(logDir, `${variant}-n${n}-r${rep}-${phase}.log`);
        writeLog(logPath, m, inv.argv);
        const recap = parseRecap(m.stdout);
        const rec: RunRecord = { variant, n, rep, phase, wallS: m.wallS, cpuS: m.cpuS, userS: m.userS, sysS: m.sysS, maxRssMB: m.maxRssMB, treeRssMB: m.treeRssMB, treePssMB: m.treePssMB, exitCode: m.exitCode, recap, load1Before, hostsCpuS, ...(tool === 'kplay' ? { keeperCpuS, keeperRssMB: keeper.rssMB } : {}), log: logPath };
        results.runs.push(rec);
        log(`${variant.padEnd(12)} N=${String(n).padStart(3)} rep ${rep} ${phase.padEnd(11)} ${m.wallS.toFixed(2).padStart(7)} s wall ${m.cpuS.toFixed(2).padStart(7)} s CPU${tool === 'kplay' ? ` (keeper ${keeperCpuS.toFixed(2)})` : ''} ${m.treeRssMB.toFixed(0).padStart(5)} MB RSS ${m.treePssMB.toFixed(0).padStart(5)} MB PSS  hosts ${hostsCpuS.toFixed(1).padStart(6)} s CPU  exit ${m.exitCode} ok=${recap.ok} changed=${recap.changed} failed=${recap.failed} unreachable=${recap.unreachable} (load ${load1Before.toFixed(1)})`);
        // `kplay lab down --all` elsewhere (.ci/run does it on exit) takes our hosts away mid-run: redo the repetition
        if (!existsSync(lab.inventoryPath) || (recap.unreachable > 0 && /Connection refused|connection to .* lost|ECONNREFUSED/.test(m.stdout + m.stderr))) {
          rec.labLost = true;
          save();
          throw new LabLost(`lab ${lab.name} went away during ${variant} N=${n} rep ${rep} ${phase}`);
        }
        const problem = (msg: string) => { results.problems.push(`${variant} N=${n} rep ${rep} ${phase}: ${msg} (${logPath})`); log(`PROBLEM: ${msg}`); };
        if (recap.hosts !== n) problem(`recap lists ${recap.hosts} hosts, expected ${n}`);
        if (recap.unreachable > 0) problem(`${recap.unreachable} unreachable`);
        if (phase === 'second' && recap.changed !== 0) problem(`second run changed ${recap.changed} (must be 0)`);
        if ((phase === 'first' || phase === 'second' || phase === 'check_after') && (recap.failed > 0 || m.exitCode !== 0)) problem(`failed=${recap.failed} exit ${m.exitCode}`);
        if (phase === 'check_after' && recap.changed !== 0) problem(`check after the runs reports ${recap.changed} changes`);
        // kplay's check mode must get through fresh hosts; Ansible's is expected to fail there (recorded, not a problem)
        if (phase === 'check_fresh' && tool === 'kplay' && (recap.failed > 0 || m.exitCode !== 0)) problem(`check mode on fresh hosts failed=${recap.failed} exit ${m.exitCode}`);
        save();
        if (phase === 'first' && rep === 1 && (withAnsible || compareState)) {
          const state = await collectState(lab).catch((e: Error) => {
            throw existsSync(lab.inventoryPath) ? e : new LabLost(`lab ${lab.name} went away before its state was read: ${e.message}`);
          });
          firstState.set(`${variant}/${n}`, state);
          writeFileSync(join(logDir, `${variant}-n${n}-state.txt`), state.map((s, i) => `# h${i + 1}\n${s.join('\n')}`).join('\n'));
        }
      }
    } finally {
      await artifact.close();
      await lab.stop();
      rmSync(work, { recursive: true, force: true });
    }
  };

  const oneLabRetrying = async (...args: Parameters<typeof oneLab>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await oneLab(...args);
      } catch (e) {
        if (!(e instanceof LabLost) || attempt >= 3) throw e;
        log(`${e.message}: starting the repetition again`);
      }
    }
  };

  for (const n of o.sizes) {
    const ansible = o.variants.includes('ansible') ? o.ansiblePlan.get(n) : undefined;
    const kplayReps = o.kplayReps.get(n) ?? o.reps;
    const reps = Math.max(kplayReps, ansible?.reps ?? 0);
    for (let rep = 1; rep <= reps; rep++) {
      // reversed on even repetitions, so that no variant always runs first (or right after a lab start)
      for (const variant of rep % 2 ? o.variants : [...o.variants].reverse()) {
        if (variant === 'ansible') {
          if (ansible && rep <= ansible.reps && ansible.phases.length > 0) await oneLabRetrying(variant, n, rep, ansible.phases, true);
        } else if (rep <= kplayReps) await oneLabRetrying(variant, n, rep, PHASES, ansible !== undefined && ansible.reps > 0, o.commits.length > 0);
      }
    }
    // the correctness check: every kplay variant leaves the hosts as Ansible does (without Ansible: as the first variant, the old commit, does)
    const kplays = o.variants.filter((v) => v !== 'ansible');
    const refVariant: Variant | undefined = firstState.has(`ansible/${n}`) ? 'ansible' : kplays[0];
    const ref = refVariant && firstState.get(`${refVariant}/${n}`);
    for (const variant of kplays.filter((v) => v !== refVariant)) {
      const mine = firstState.get(`${variant}/${n}`);
      if (!ref || !refVariant || !mine) continue;
      const diffs = compareStates(mine, ref, [variant, refVariant]);
      results.comparisons.push({ n, a: variant, b: refVariant, diffs });
      if (diffs.length > 0) {
        results.problems.push(`N=${n}: ${variant} and ${refVariant} leave different states:\n  ${diffs.slice(0, 20).join('\n  ')}`);
        log(`PROBLEM: N=${n} state differs:\n  ${diffs.slice(0, 20).join('\n  ')}`);
      } else log(`N=${n}: ${variant} and ${refVariant} leave the same state on every host`);
    }
    save();
  }

  await stopKeepers(keeperDir);
  rmSync(keeperDir, { recursive: true, force: true });
  results.finished = new Date().toISOString();
  save();
  log(`results: ${resultFile}`);
  if (results.problems.length > 0) {
    console.error(`\n${results.problems.length} problem(s):\n${results.problems.join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
