/** Shared by command and shell: creates/removes guards, the exec op, and the registered result. */
import { posix } from 'node:path';
import type { Change, ReadContext, OpResult, Plan, Vars } from '../../api.ts';
import { runProbes, type Probe } from '../../facts/batch.ts';
import { exists } from '../../facts/command.ts';

export interface GuardArgs {
  chdir?: string;
  creates?: string;
  removes?: string;
}

export interface CommandState {
  createsExists?: boolean;
  removesExists?: boolean;
  /** When read ran: the start of the task, for start/end/delta. */
  start: number;
}

function resolveIn(chdir: string | undefined, p: string): string {
  return chdir && !p.startsWith('/') ? posix.join(chdir, p) : p;
}

export async function readGuards(ctx: ReadContext, a: GuardArgs): Promise<CommandState> {
  const probes: Record<string, Probe<boolean>> = {};
  // the paths are quoted: no glob expansion (Ansible globs them)
  if (a.creates !== undefined) probes.creates = exists(resolveIn(a.chdir, a.creates));
  if (a.removes !== undefined) probes.removes = exists(resolveIn(a.chdir, a.removes));
  // in a check run, what earlier tasks would create or remove decides, as in the real run (exists' planned answer)
  const r: Record<string, boolean> = Object.keys(probes).length ? await runProbes(ctx, probes) : {};
  return { ...(r.creates !== undefined ? { createsExists: r.creates } : {}), ...(r.removes !== undefined ? { removesExists: r.removes } : {}), start: Date.now() };
}

export function planCommand(s: CommandState, a: GuardArgs, display: string, op: Change['ops'][number]): Plan {
  if (a.creates !== undefined && s.createsExists) return { changes: [], skipped: `${a.creates} exists`, result: { cmd: display, rc: 0, stdout: `skipped, since ${a.creates} exists`, stdout_lines: [] } };
  if (a.removes !== undefined && !s.removesExists) return { changes: [], skipped: `${a.removes} does not exist`, result: { cmd: display, rc: 0, stdout: `skipped, since ${a.removes} does not exist`, stdout_lines: [] } };
  return { changes: [{ summary: `run: ${display.length > 200 ? `${display.slice(0, 200)}…` : display}`, ops: [op] }] };
}

function lines(s: string): string[] {
  return s === '' ? [] : s.split('\n');
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Ansible's h:mm:ss.ffffff */
export function delta(ms: number): string {
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const sec = ((ms % 60000) / 1000).toFixed(6).padStart(9, '0');
  return `${h}:${String(m).padStart(2, '0')}:${sec}`;
}

export function commandResult(applied: OpResult[], s: CommandState, display: string | string[]): Vars & { failed?: boolean; msg?: string } {
  const r = applied.find((x) => x.exec)?.exec;
  if (!r) return {};
  const end = Date.now();
  // Ansible strips the one trailing newline commands print
  const stdout = r.stdout.replace(/\r?\n$/, '');
  const stderr = r.stderr.replace(/\r?\n$/, '');
  const d = end - s.start;
  const res: Vars & { failed?: boolean; msg?: string } = {
    cmd: display,
    rc: r.rc ?? -1,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    start: stamp(s.start),
    end: stamp(end),
    delta: delta(d),
  };
  if (r.rc !== 0) {
    res.failed = true;
    res.msg = r.timedOut ? 'command timed out' : r.rc === null ? `killed by ${r.signal ?? 'signal'}` : (r.becomeRefused ?? 'non-zero return code');
  }
  return res;
}
