/**
 * Child process for lab tests that need several processes (or a process that dies):
 *   child.ts die NAME          start a 1-host lab, then SIGKILL ourselves without stopping it
 *   child.ts up-down NAME N    start an N-host lab (waiting if NAME is taken), print it, stop it
 *   child.ts image CACHEDIR    ensure the image in CACHEDIR, print what that took
 * Prints one JSON line on stdout.
 */
import { upLab, downLab } from '../../../engine/lab/lab.ts';
import { ensureImage } from '../../../engine/lab/image.ts';

const [mode, arg, count] = process.argv.slice(2);
const print = (v: unknown, then?: () => void) => process.stdout.write(`${JSON.stringify(v)}\n`, then);

if (mode === 'die') {
  const lab = await upLab(1, { name: arg ?? 'stale', persistent: false });
  print({ k: lab.k }, () => process.kill(process.pid, 'SIGKILL'));
} else if (mode === 'up-down') {
  const lab = await upLab(Number(count ?? 1), { name: arg ?? 'child', persistent: false, waitMs: 120_000 });
  await new Promise((r) => setTimeout(r, 500)); // hold it a moment, so a second process must wait
  await downLab({ name: lab.name });
  print({ k: lab.k, hosts: lab.hosts, timings: lab.timings });
} else if (mode === 'image') {
  const img = await ensureImage({ cacheDir: arg });
  print({ action: img.action, ms: img.ms });
} else {
  throw new Error(`child.ts: unknown mode ${mode}`);
}
