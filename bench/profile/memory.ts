/**
 * Where kplay's controller memory goes: runs the CLI in-process, samples process.memoryUsage()
 * every 50 ms and prints the peaks of each part, then what is still reachable after a full GC.
 *   node --expose-gc --import tsx bench/profile/memory.ts run bench/workload/site.kplay.yml -i INVENTORY -f N -e …
 */
import { dispatch } from '../../engine/cli.ts';

const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const base = process.memoryUsage();
const timer = setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
}, 50);
const code = await dispatch(process.argv.slice(2));
clearInterval(timer);
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const after = process.memoryUsage();
console.log(`\n--- bench/profile/memory: exit ${code}`);
console.log(`before the run (code loaded): rss ${mb(base.rss)}, heap used ${mb(base.heapUsed)}`);
console.log(`peak: rss ${mb(peak.rss)}, heap total ${mb(peak.heapTotal)}, heap used ${mb(peak.heapUsed)}, external ${mb(peak.external)}, array buffers ${mb(peak.arrayBuffers)}`);
console.log(`after the run${gc ? ' and a full GC' : ''}: rss ${mb(after.rss)}, heap used ${mb(after.heapUsed)}, external ${mb(after.external)}`);
process.exit(code);
