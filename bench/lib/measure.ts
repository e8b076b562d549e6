/**
 * Runs one command under GNU time (the child's rusage: CPU of the whole process tree that it
 * waited for, and the largest single RSS) while sampling the summed RSS of the whole tree from
 * /proc (Ansible forks a worker per host: its memory is the sum, not the largest process).
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
  /** Largest sum of RSS over the process tree seen by the sampler. */
  treeRssMB: number;
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

function treeRssKB(root: number): number {
  const kids = children();
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    try {
      const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
      total += Number(statm[1]) * PAGE_KB;
    } catch {
      // gone
    }
    todo.push(...(kids.get(pid) ?? []));
  }
  return total;
}

export async function measure(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; sampleMs?: number } = {}): Promise<Measured> {
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
  const timer = setInterval(() => {
    if (child.pid) peakTree = Math.max(peakTree, treeRssKB(child.pid));
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
