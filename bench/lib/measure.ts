/**
 * Runs one command under GNU time (the child's rusage: CPU of the whole process tree that it
 * waited for, and the largest single RSS) while sampling the summed RSS of the whole tree from
 * /proc (Ansible forks a worker per host: its memory is the sum, not the largest process), and
 * less often its summed PSS: RSS with each shared page split among the processes that map it. A
 * sum of RSS counts the pages of the interpreter's binary and libraries once per process (Ansible's
 * forked workers, kplay's run and keeper); a sum of PSS is the memory the processes really take.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number;
  /** Largest single process of the tree (GNU time %M). */
  maxRssMB: number;
  /** Largest sum of RSS over the process tree (and `alsoPids`) seen by the sampler. */
  treeRssMB: number;
  /** Largest sum of PSS over the same processes (sampled less often for large trees). */
  treePssMB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const PAGE_KB = 4;

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch {
      // the process went away while we looked
    }
  }
  return kids;
}

function treePids(root: number, also: readonly number[]): Set<number> {
  const kids = children();
  const pids = new Set<number>(also);
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    pids.add(pid);
    todo.push(...(kids.get(pid) ?? []));
  }
  return pids;
}

function sumRssKB(pids: Iterable<number>): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_KB;
    } catch {
      // gone
    }
  }
  return total;
}

function sumPssKB(pids: Iterable<number>): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return total;
}

/** `alsoPids`: processes outside the tree that belong to the tool (kplay's connection keeper once an earlier run started it). */
export async function measure(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; sampleMs?: number; alsoPids?: () => number[] } = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-bench-'));
  const timeFile = join(dir, 'time');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let peakTree = 0;
  let peakPss = 0;
  const pids = () => (child.pid ? treePids(child.pid, opts.alsoPids?.() ?? []) : new Set<number>());
  let tick = 0;
  const timer = setInterval(() => {
    const now = pids();
    peakTree = Math.max(peakTree, sumRssKB(now));
    // reading smaps_rollup walks page tables: for a hundred Ansible workers, every fourth sample
    if (now.size <= 10 || tick++ % 4 === 0) peakPss = Math.max(peakPss, sumPssKB(now));
  }, opts.sampleMs ?? 300);
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 255)));
  clearInterval(timer);
  const wallS = (performance.now() - started) / 1000;
  const [, user, sys, maxKB] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
  rmSync(dir, { recursive: true, force: true });
  return {
    wallS,
    userS: user,
    sysS: sys,
    cpuS: user + sys,
    maxRssMB: maxKB / 1024,
    treeRssMB: Math.max(peakTree, maxKB) / 1024,
    treePssMB: peakPss / 1024,
    exitCode,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

export function writeLog(path: string, m: Measured, argv: string[]): void {
  writeFileSync(path, `$ ${argv.join(' ')}\n# exit ${m.exitCode}, ${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU\n${m.stdout}\n--- stderr\n${m.stderr}`);
}

/** CPU seconds used so far by every host of a lab (cgroup v2 part of the hybrid hierarchy, see engine/lab). */
export function labCpuS(name: string): number {
  try {
    const stat = readFileSync(`/sys/fs/cgroup/unified/kplay/${name}/cpu.stat`, 'utf8');
    return Number(/^usage_usec (\d+)/m.exec(stat)?.[1] ?? NaN) / 1e6;
  } catch {
    return NaN;
  }
}
