#!/usr/bin/env node
// Runs the bundled CLI (dist/kplay.cjs, built by `npm ci` through the "prepare" script, compiled
// with its V8 code cache: load-bundle.js) when it is at least as new as every source file;
// otherwise the TypeScript sources through tsx, so a fresh edit is never shadowed by a stale bundle.
// KPLAY_FROM_SOURCE=1 forces the sources.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './load-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'kplay.cjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.KPLAY_FROM_SOURCE) return false;
  try {
    const built = statSync(bundle).mtimeMs;
    return built >= Math.max(newestSource(join(root, 'engine')), newestSource(join(root, 'modules')));
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = loadBundle(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../engine/cli.ts'));
}
await main(process.argv.slice(2));
