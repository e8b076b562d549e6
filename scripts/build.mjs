#!/usr/bin/env node
// Bundles the CLI into dist/kplay.js with esbuild (run by `npm ci` / `npm install` via "prepare").
// Why: running the TypeScript sources through tsx costs ~2.5 s of CPU and ~150 MB per invocation on
// these machines; the bundle starts in a fraction of that. bin/kplay.js falls back to the sources
// whenever they are newer than the bundle, so editing code never runs a stale build.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'engine/cli.ts')],
  outfile: join(root, 'dist/kplay.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dependencies are bundled too (one file to load: ~25% less start-up CPU than resolving each
  // package), except ssh2, whose optional native parts are found relative to its own files, and
  // node-forge, which modules/cluster/pki/x509.ts loads on first use only.
  external: ['ssh2', 'cpu-features', '*.node', 'node-forge'],
  // CommonJS dependencies inside an ES module bundle still call require()
  banner: { js: "import { createRequire as __kplayRequire } from 'node:module'; const require = __kplayRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
