/**
 * Where the lab hosts' CPU goes during a no-op run: a fresh lab, the workload's first run
 * (untimed), then the no-op run; each host's cgroup tree (system.slice/sshd.service, the login
 * session, user@0.service, journald, logind …) is read before and after, and the CPU each unit
 * used is summed over the hosts.
 *
 *   node --import tsx bench/profile/host-cpu.ts [hosts=10]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startLab } from '../../test/support/lab.ts';
import { serveArtifact } from '../lib/artifact.ts';
import { invocation, WORKLOAD } from '../lib/tools.ts';

const hosts = Number(process.argv[2] ?? 10);
execFileSync('node', [join(import.meta.dirname, '..', '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
const lab = await startLab(hosts, { name: 'hostcpu' });
const artifact = await serveArtifact(lab.controllerAddress, join(WORKLOAD, 'artifact', 'bench-tool'));
const root = `/sys/fs/cgroup/unified/kplay/${lab.name}`;

/** usage_usec of every cgroup under the lab, keyed by its path below the host's own cgroup. */
function snapshot(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string, host: string) => {
    let usec = 0;
    try {
      usec = Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))?.[1] ?? 0);
    } catch {
      return;
    }
    // session scopes and their numbers differ per run: one key for all of them
    const key = relative(host, dir).replace(/session-\d+\.scope/, 'session-N.scope') || '(host total)';
    out.set(key, (out.get(key) ?? 0) + usec);
    for (const e of readdirSync(dir)) if (statSync(join(dir, e)).isDirectory()) walk(join(dir, e), host);
  };
  for (const h of readdirSync(root)) if (statSync(join(root, h)).isDirectory()) walk(join(root, h), join(root, h));
  return out;
}

/** Runs the CLI asynchronously: the artifact server lives in this process. */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn('node', argv, { env, stdio: 'ignore' });
  return new Promise((resolve) => child.on('close', resolve));
}

try {
  const inv = invocation('kplay', 'first', lab, { artifactUrl: artifact.url, checksum: artifact.checksum });
  await run(inv.argv.slice(1), inv.env);
  await new Promise((r) => setTimeout(r, 2000)); // let logins end and user managers stop
  const before = snapshot();
  const t0 = performance.now();
  const status = await run(inv.argv.slice(1), inv.env);
  const wall = performance.now() - t0;
  const justAfter = snapshot();
  await new Promise((r) => setTimeout(r, 2000));
  const after = snapshot();
  console.log(`no-op run: exit ${status}, ${(wall / 1000).toFixed(2)} s wall, ${hosts} hosts`);
  console.log('ms of CPU, summed over the hosts (during the run | in the 2 s after it):');
  const rows = [...after.keys()].map((k) => [k, (justAfter.get(k) ?? 0) - (before.get(k) ?? 0), (after.get(k) ?? 0) - (justAfter.get(k) ?? 0)] as const);
  for (const [k, during, later] of rows.sort((a, b) => b[1] + b[2] - a[1] - a[2])) {
    if (during + later < 1000) continue;
    console.log(`${(during / 1000).toFixed(0).padStart(7)} | ${(later / 1000).toFixed(0).padStart(6)}  ${k}`);
  }
} finally {
  await artifact.close();
  await lab.stop();
}
