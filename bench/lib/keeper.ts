/**
 * kplay's connection keeper (engine/transport/keeper/) is a process of its own that a run starts
 * and later runs use: its CPU is kplay's too, but GNU time never sees it (it is not waited for).
 * The benchmark gives kplay a keeper directory of its own, charges each run the keeper's CPU used
 * during the run, and stops the keeper before each repetition, so that a repetition's first phase
 * starts it, as an operator's first run of the day does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function keeperPids(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()))
      .filter((p) => p > 0);
  } catch {
    return [];
  }
}

const TICKS_PER_S = 100;

/**
 * CPU seconds the keepers in dir have used so far, and their peak resident memory (MB, VmHWM):
 * a run's commands and files pass through the keeper, so its memory after a run is less than
 * during it. The peak is the keeper's whole life's, earlier phases of the repetition
 * included: an upper bound for the run's.
 */
export function keeperUsage(dir: string): { cpuS: number; rssMB: number } {
  let cpuS = 0;
  let rssMB = 0;
  for (const pid of keeperPids(dir)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuS += (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
      rssMB += Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      // it exited
    }
  }
  return { cpuS, rssMB };
}

export async function stopKeepers(dir: string): Promise<void> {
  const pids = keeperPids(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
}
