/**
 * Where the wall time of a no-op run goes: a fresh lab, the workload's first run (untimed), then
 * the no-op run with --json, each event stamped with the time since the process started.
 *
 *   node --import tsx bench/profile/timeline.ts [hosts=10]
 *
 * Prints run_start (start-up done), each task's start, the first host's result of it, and the exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { startLab } from '../../test/support/lab.ts';
import { serveArtifact } from '../lib/artifact.ts';
import { invocation, WORKLOAD } from '../lib/tools.ts';

const hosts = Number(process.argv[2] ?? 10);
// the bundle that bin/kplay.js runs when it is fresh, as `npm ci` builds it (else it runs the sources)
execFileSync('node', [join(import.meta.dirname, '..', '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
const lab = await startLab(hosts, { name: 'timeline' });
const artifact = await serveArtifact(lab.controllerAddress, join(WORKLOAD, 'artifact', 'bench-tool'));

/** Runs the CLI (asynchronously: the artifact server lives in this process) and stamps its NDJSON events. */
function run(argv: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const t0 = performance.now();
  const stamp = (what: string) => `${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${what}`;
  const child = spawn('node', argv, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const rows: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let e: { type?: string; host?: string; name?: string; task?: string };
      try {
        e = JSON.parse(line) as typeof e;
      } catch {
        continue;
      }
      if (e.type === 'run_start' || e.type === 'task_start' || e.type === 'recap' || (e.type === 'host_result' && e.host === lab.hosts[0]!.name)) {
        rows.push(stamp(`${e.type} ${e.name ?? e.task ?? ''}`));
      }
    }
  });
  return new Promise((resolve) => child.on('close', () => resolve([...rows, stamp('exit')])));
}

try {
  const inv = invocation('kplay', 'first', lab, { artifactUrl: artifact.url, checksum: artifact.checksum });
  await run(inv.argv.slice(1), inv.env);
  console.log((await run([...inv.argv.slice(1), '--json'], inv.env)).join('\n'));
} finally {
  await artifact.close();
  await lab.stop();
}
