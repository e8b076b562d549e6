/**
 * Machine-wide list of labs (/run/kplay/registry/<name>.json): which subnet number K each lab
 * holds, where its state lives and which process owns it. Read and changed under REGISTRY_LOCK.
 * A lab whose owner process is gone is stale and gets torn down by the next `up`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_DIR } from './names.ts';

export interface LabOwner {
  pid: number;
  /** Process start time (clock ticks since boot), so a reused pid is not taken for the owner. */
  start: string;
}

export interface LabRecord {
  name: string;
  k: number;
  dir: string;
  hosts: number;
  image: string;
  /** null: a lab started by `kplay lab up`, which lives until `kplay lab down`. */
  owner: LabOwner | null;
  createdAt: string;
  /** A lab started with --kubernetes: its private cgroup v1 folders (one per hierarchy; per host `<dir>/hI`). */
  kubernetes?: { cgroupDirs: string[] };
}

export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which may itself contain spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined; // dead, not yet reaped
    return rest[19];
  } catch {
    return undefined;
  }
}

export function thisProcess(): LabOwner {
  const start = processStart(process.pid);
  if (start === undefined) throw new Error('cannot read /proc/self/stat');
  return { pid: process.pid, start };
}

export function ownerAlive(owner: LabOwner | null): boolean {
  return owner === null || processStart(owner.pid) === owner.start;
}

export function readRegistry(dir = REGISTRY_DIR): LabRecord[] {
  if (!existsSync(dir)) return [];
  const out: LabRecord[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as LabRecord);
    } catch {
      // a half-written file can only come from a crash between write and rename; ignore it
    }
  }
  return out;
}

export function findLab(name: string, dir = REGISTRY_DIR): LabRecord | undefined {
  return readRegistry(dir).find((r) => r.name === name);
}

export function writeRecord(rec: LabRecord, dir = REGISTRY_DIR): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${rec.name}.json`);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(rec, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function removeRecord(name: string, dir = REGISTRY_DIR): void {
  rmSync(join(dir, `${name}.json`), { force: true });
}

/** The smallest K in 1..254 that no lab holds and no route on this machine already covers. */
export function allocateK(records: readonly LabRecord[], routedSubnets: ReadonlySet<string>): number | undefined {
  const taken = new Set(records.map((r) => r.k));
  for (let k = 1; k <= 254; k++) {
    if (!taken.has(k) && !routedSubnets.has(`198.18.${k}.0/24`)) return k;
  }
  return undefined;
}
