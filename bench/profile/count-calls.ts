/**
 * How many round trips and how much controller CPU a kplay run costs, per task and host, without
 * touching engine code: wraps SshTransport's methods and ajv's compile, then runs the CLI in this
 * process. Usage (against a running lab, e.g. `kplay lab up 10 --name bench`):
 *
 *   node --import tsx bench/profile/count-calls.ts run bench/workload/site.kplay.yml -i INVENTORY -e … [--check]
 *
 * Prints per method: calls, calls per host, and the first word of each exec'd script by count;
 * BENCH_DUMP=1 also prints every script sent to the first host (on stderr).
 */
import { Ajv } from 'ajv';
import { SshTransport } from '../../engine/transport/ssh.ts';
import { dispatch } from '../../engine/cli.ts';

const calls = new Map<string, number>();
const words = new Map<string, number>();
const hosts = new Set<string>();
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

const proto = SshTransport.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const method of ['exec', 'put', 'putFile', 'fetch', 'connect']) {
  const orig = proto[method]!;
  proto[method] = function (this: SshTransport, ...args: unknown[]) {
    bump(calls, method);
    hosts.add(this.opts.host);
    if (method === 'exec') {
      const cmd = args[0];
      const text = Array.isArray(cmd) ? cmd.join(' ') : String(cmd);
      bump(words, text.trim().split(/\s+/).slice(0, 2).join(' ').slice(0, 60));
      if (process.env.BENCH_DUMP && this.opts.host.endsWith('-h1')) console.error(`--- exec on ${this.opts.host} (${text.length} bytes)\n${text}`);
    }
    return orig.apply(this, args);
  };
}
let compiles = 0;
let compileMs = 0;
const ajvProto = Ajv.prototype as unknown as { compile: (...a: unknown[]) => unknown };
const origCompile = ajvProto.compile;
ajvProto.compile = function (this: unknown, ...args: unknown[]) {
  const t = performance.now();
  try {
    return origCompile.apply(this, args);
  } finally {
    compiles++;
    compileMs += performance.now() - t;
  }
};

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const code = await dispatch(process.argv.slice(2));
const cpu = process.cpuUsage(cpu0);
const n = Math.max(1, hosts.size);
console.log(`\n--- bench/profile/count-calls: exit ${code}, ${hosts.size} hosts, ${((performance.now() - t0) / 1000).toFixed(2)} s in dispatch, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (after start-up)`);
console.log(`ajv compiles: ${compiles} (${compileMs.toFixed(0)} ms)`);
for (const [m, c] of calls) console.log(`${m.padEnd(8)} ${String(c).padStart(6)} calls  ${(c / n).toFixed(1).padStart(6)} per host`);
console.log('exec scripts by first words (per host):');
for (const [w, c] of [...words].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(c / n).toFixed(1).padStart(6)}  ${w}`);
process.exit(code);
