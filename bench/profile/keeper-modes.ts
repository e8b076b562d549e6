/**
 * Where should `kplay run` execute when connections are kept: inside the connection keeper (the
 * CLI process only passes bytes), or in the CLI's own process, which asks the keeper for each
 * host's kept connection over its socket? Measures both, alternately, on one lab, for a small
 * playbook: a no-op run and a check run with the connections kept (the usual second run of a
 * session), and a no-op with no keeper running (the first run of a session, which starts it).
 * `direct` (KPLAY_SSH_PERSIST=0, no keeper) is measured beside them for reference.
 *
 *   node --import tsx bench/profile/keeper-modes.ts --old-tree DIR [--hosts 10] [--reps 5] [--modes in-keeper,cli,direct]
 *
 * `cli` and `direct` are the shipped CLI from a snapshot of this tree (bench/.build/tree, as
 * bench/run.ts); `in-keeper` is the shipped CLI of DIR, a built tree of a commit whose keeper
 * executes runs (before issue 20, e.g. `git archive 3ac1f65`; with --legacy, DIR's CLI runs
 * in its own process instead: an `ssh_persist: 60` kplay.yml beside the playbook kept it there).
 * CPU is the CLI's (GNU time) plus the keeper's during the run; memory the CLI's peak RSS plus the
 * keeper's lifetime peak.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLab } from '../../test/support/lab.ts';
import { keeperUsage, stopKeepers } from '../lib/keeper.ts';
import { measure } from '../lib/measure.ts';
import { snapshotTree } from '../lib/variants.ts';

type Mode = 'in-keeper' | 'cli' | 'direct';
type Phase = 'noop_cold' | 'noop' | 'check';

const { values } = parseArgs({ options: { hosts: { type: 'string' }, reps: { type: 'string' }, modes: { type: 'string' }, legacy: { type: 'boolean' }, 'old-tree': { type: 'string' } } });
const N = Number(values.hosts ?? 10);
const REPS = Number(values.reps ?? 5);
const MODES = (values.modes ?? 'in-keeper,cli,direct').split(',') as Mode[];
const log = (m: string) => process.stderr.write(`[keeper-modes] ${m}\n`);

const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: directories
      file: { path: "/opt/km/{{ item }}", state: directory, mode: "0755" }
      loop: [a, b, c]
    - name: a file
      copy: { dest: /opt/km/a/conf, content: "x = 1\\ny = 2\\n", mode: "0644" }
    - name: a line
      lineinfile: { path: /opt/km/b/env, line: "KM=1", create: true }
    - name: a template
      copy: { dest: /opt/km/c/hosts, content: "{{ groups['all'] | join(' ') }}\\n" }
    - name: a guarded command
      command: { cmd: touch /opt/km/stamp, creates: /opt/km/stamp }
`;

const entry = snapshotTree(log);
const oldEntry = values['old-tree'] ? join(values['old-tree'], 'bin', 'kplay.js') : entry;
const lab = await startLab(N, { name: 'keepermodes' });
const work = mkdtempSync(join(tmpdir(), 'kplay-keeper-modes-'));
const results: Record<string, number[]> = {};
try {
  const dirs = new Map<Mode, { playbook: string; keeperDir: string }>();
  for (const m of MODES) {
    const d = join(work, m);
    mkdirSync(join(d, 'keeper'), { recursive: true, mode: 0o700 });
    writeFileSync(join(d, 'site.yml'), PLAYBOOK);
    if (m === 'cli' && values.legacy) writeFileSync(join(d, 'kplay.yml'), 'ssh_persist: 60\n');
    dirs.set(m, { playbook: join(d, 'site.yml'), keeperDir: join(d, 'keeper') });
  }
  const run = async (m: Mode, phase: Phase | 'apply') => {
    const { playbook, keeperDir } = dirs.get(m)!;
    const argv = ['node', m === 'in-keeper' || values.legacy ? oldEntry : entry, 'run', playbook, '-i', lab.inventoryPath, '-f', String(N), ...(phase === 'check' ? ['--check'] : [])];
    const env = {
      ...process.env,
      NO_COLOR: '1',
      KPLAY_KEEPER_DIR: keeperDir,
      ...(m === 'direct' ? { KPLAY_SSH_PERSIST: '0' } : {}),
    };
    const before = keeperUsage(keeperDir);
    const r = await measure(argv, { env });
    const after = keeperUsage(keeperDir);
    if (r.exitCode !== 0 || (phase !== 'apply' && !/changed=0/.test(r.stdout))) throw new Error(`${m} ${phase}: exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
    const cpu = r.cpuS + after.cpuS - before.cpuS;
    if (phase !== 'apply') {
      const add = (k: string, v: number) => (results[`${m} ${phase} ${k}`] ??= []).push(v);
      add('wall', r.wallS);
      add('cpu', cpu);
      add('rss', r.maxRssMB + after.rssMB);
    }
    log(`${m.padEnd(9)} ${phase.padEnd(9)} ${r.wallS.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ${(r.maxRssMB + after.rssMB).toFixed(0)} MB`);
  };
  for (const m of MODES) await run(m, 'apply');
  for (let rep = 0; rep < REPS; rep++) {
    // the order of the modes turns, so that a busier moment of the machine hits each alike
    const order = MODES.map((_, i) => MODES[(i + rep) % MODES.length]!);
    for (const m of order) {
      await stopKeepers(dirs.get(m)!.keeperDir);
      await run(m, 'noop_cold');
      if (m === 'direct') continue;
      await run(m, 'noop');
      await run(m, 'check');
    }
  }
} finally {
  for (const m of MODES) await stopKeepers(join(work, m, 'keeper'));
  await lab.stop();
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`| mode | phase | wall s | CPU s (CLI + keeper) | peak RSS MB (CLI + keeper) | runs |`);
console.log(`|---|---|---:|---:|---:|---:|`);
for (const m of MODES) {
  for (const phase of ['noop_cold', 'noop', 'check'] as Phase[]) {
    const w = results[`${m} ${phase} wall`];
    if (!w) continue;
    const c = results[`${m} ${phase} cpu`]!;
    const r = results[`${m} ${phase} rss`]!;
    const fmt = (xs: number[], d: number) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
    console.log(`| ${m} | ${phase} | ${fmt(w, 2)} | ${fmt(c, 2)} | ${fmt(r, 0)} | ${w.length} |`);
  }
}
