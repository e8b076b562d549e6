/**
 * Summarise a V8 .cpuprofile (node --cpu-prof) by source file and by function, self time.
 *   KPLAY_FROM_SOURCE=1 node --cpu-prof --cpu-prof-dir=/tmp/prof bin/kplay.js run … ; node --import tsx bench/profile/summarise.ts /tmp/prof [N]
 * Run from source (KPLAY_FROM_SOURCE=1) so frames name the .ts files. On a loaded machine, time
 * spent preempted inside a syscall (socket writes that wake sshd on the same cores) is charged to
 * the JS frame that made it: compare with the process's CPU time (GNU time) before trusting a frame.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2] ?? '.';
const top = Number(process.argv[3] ?? 25);
for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const short = (u: string) => u.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'npm:').replace(/.*\/(engine|modules)\//, '$1/');
  const agg = (key: (n: Node) => string) => {
    const m = new Map<string, number>();
    for (const [id, us] of self) {
      const k = key(byId.get(id)!);
      m.set(k, (m.get(k) ?? 0) + us);
    }
    return [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  };
  const busy = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName !== '(idle)').reduce((a, [, us]) => a + us, 0);
  console.log(`\n== ${f}: ${(busy / 1000).toFixed(0)} ms not idle`);
  console.log('-- by file');
  for (const [k, us] of agg((n) => short(n.callFrame.url) || `(${n.callFrame.functionName})`)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  console.log('-- by function');
  for (const [k, us] of agg((n) => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`)) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
}
