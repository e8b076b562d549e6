#!/usr/bin/env node
// Runs the bundled CLI (dist/kplay.cjs, built by `npm ci` through the "prepare" script, compiled
// with its V8 code cache: load-bundle.js) when it is at least as new as every source file;
// otherwise the TypeScript sources through tsx, so a fresh edit is never shadowed by a stale bundle.
// KPLAY_FROM_SOURCE=1 forces the sources.
// `kplay __ssh-keeper SOCKET` (started by a run, engine/transport/keeper/locate.ts) loads the
// connection keeper alone, dist/keeper.cjs or engine/transport/keeper/process.ts: it keeps
// connections and runs nothing of the CLI.
// Paths are joined as strings here: the first path.join() costs a process ~4 MB of RSS, which
// matters to the keeper (docs/benchmarks.md).
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

const keeper = process.argv[2] === '__ssh-keeper';
let main;
if (bundleIsFresh()) {
  if (keeper) ({ main } = createRequire(import.meta.url)(`${root}/dist/keeper.cjs`));
  else {
    const { loadBundle } = await import('./load-bundle.js');
    ({ main } = loadBundle(bundle));
  }
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(keeper ? '../engine/transport/keeper/process.ts' : '../engine/cli.ts'));
}
await main(process.argv.slice(2));
