#!/usr/bin/env node
// Runs the bundled CLI (dist/kplay.cjs, built by `npm ci` through the "prepare" script, compiled
// with its V8 code cache: load-bundle.js) when it is at least as new as every source file;
// otherwise the TypeScript sources through tsx, so a fresh edit is never shadowed by a stale bundle.
// KPLAY_FROM_SOURCE=1 forces the sources.
// `kplay run` from the bundle first offers the run to the connection keeper, which executes it
// beside the connections it keeps (engine/transport/keeper/run-host.ts): this process then loads only
// dist/client.cjs and passes bytes, and runs the CLI itself when no keeper takes the run.
// Paths are joined as strings here: the first path.join() costs this process ~4 MB of RSS, which
// matters to the small client (docs/benchmarks.md).
import { createRequire } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const bundle = `${root}/dist/kplay.cjs`;

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.KPLAY_FROM_SOURCE) return false;
  try {
    const built = statSync(bundle).mtimeMs;
    return built >= Math.max(newestSource(`${root}/engine`), newestSource(`${root}/modules`));
  } catch {
    return false;
  }
}

/** The run's exit code when the keeper ran it; undefined when this process must. */
async function runInKeeper(argv) {
  if (argv[0] !== 'run') return undefined;
  const client = createRequire(import.meta.url)(`${root}/dist/client.cjs`);
  return client.runsInKeeper(argv.slice(1)) ? client.runInKeeper(argv.slice(1)) : undefined;
}

let main;
const fresh = bundleIsFresh();
const code = fresh ? await runInKeeper(process.argv.slice(2)) : undefined;
if (code !== undefined) {
  main = () => process.stdout.write('', () => process.exit(code));
} else if (fresh) {
  const { loadBundle } = await import('./load-bundle.js');
  ({ main } = loadBundle(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../engine/cli.ts'));
}
await main(process.argv.slice(2));
