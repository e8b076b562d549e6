#!/usr/bin/env node
// Bundles the CLI into dist/kplay.cjs with esbuild (run by `npm ci` / `npm install` via "prepare"),
// then makes V8's code cache for it, dist/kplay.cjs.cache (scripts/train-code-cache.mjs).
// Why: running the TypeScript sources through tsx costs ~2.5 s of CPU and ~150 MB per invocation on
// these machines; the bundle starts in a fraction of that, and with the code cache compiling it costs
// little. bin/kplay.js falls back to the sources whenever they are newer than the bundle, so editing
// code never runs a stale build.
// CommonJS, not an ES module: Node 20 offers a code cache (node:vm cachedData) for scripts only.
// The cache is made here, not by a user's first run, so that no run pays for writing it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/kplay.cjs');
// the cache of the previous bundle (useless, if harmless: bin/load-bundle.js checks whose it is), and
// the ES module bundle and the run client's bundle of earlier builds, which nothing reads any more
for (const old of ['dist/kplay.cjs.cache', 'dist/kplay.js', 'dist/kplay.js.map', 'dist/client.cjs']) rmSync(join(root, old), { force: true });
await build({
  entryPoints: [join(root, 'engine/cli.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // Dependencies are bundled too (one file to load: ~25% less start-up CPU than resolving each
  // package), except ssh2, whose optional native parts are found relative to its own files, and
  // node-forge, which modules/cluster/pki/x509.ts loads on first use only.
  external: ['ssh2', 'cpu-features', '*.node', 'node-forge'],
  // The file is one function expression, CommonJS's wrapper spelled out, which bin/load-bundle.js
  // compiles and calls as Node's loader would a .cjs file: compiling the file's text as it is, with no
  // wrapper concatenated at run time, saves a copy of the ~3 MB source string (peak RSS -3 MB).
  // "use strict" first: the sources are ES modules, strict, as the ES module bundle was.
  // import.meta.url is the bundle's own URL (createRequire, package.json).
  define: { 'import.meta.url': '__kplay_import_meta_url' },
  banner: {
    js: `(function (exports, require, module, __filename, __dirname) {
'use strict';
const __kplay_import_meta_url = require('node:url').pathToFileURL(__filename).href;`,
  },
  footer: { js: '})' },
  // No comments or indentation: the bundle's text stays in memory as a V8 string for as long as a
  // run lasts (functions compile lazily from it), and one non-ASCII character in a comment made all
  // of it two bytes per character. Names are kept, so stack traces still read; an internal
  // error's stack is printed with the sources' positions from dist/kplay.cjs.map (engine/util/mapped-stack.ts).
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});

// One character beyond Latin-1 makes V8 hold the whole text at two bytes per character (+1.1 MB for
// every run). esbuild escapes strings but not regular expressions: say where, and how to write it.
const bytes = readFileSync(bundle);
const wide = bytes.findIndex((b) => b > 0x7f);
if (wide >= 0) {
  const line = bytes.subarray(0, wide).toString('latin1').split('\n').length;
  const near = bytes.subarray(Math.max(0, wide - 40), wide + 12).toString('utf8');
  throw new Error(`${bundle}:${line}: non-ASCII text in the bundle (${JSON.stringify(near)}); write it as \\u escapes in the sources`);
}

// The connection keeper alone (engine/transport/keeper/process.ts), which bin/kplay.js loads for
// `kplay __ssh-keeper`: it keeps connections and runs nothing of the CLI, so it loads a tenth of it.
await build({
  entryPoints: [join(root, 'engine/transport/keeper/process.ts')],
  outfile: join(root, 'dist/keeper.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['ssh2', 'cpu-features', '*.node'],
  define: { 'import.meta.url': '__kplay_import_meta_url' },
  banner: { js: "'use strict';\nconst __kplay_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  minifyWhitespace: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});

const work = mkdtempSync(join(tmpdir(), 'kplay-code-cache-'));
try {
  // no node flags, no NODE_OPTIONS: V8 accepts a cache only under the flags it was made with, and
  // kplay usually runs with none
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [join(root, 'scripts/train-code-cache.mjs'), bundle, work], {
    cwd: work,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // only an optimisation: without it kplay compiles the bundle on every run, as before
  if (r.status !== 0) process.stderr.write(`warning: no code cache for ${bundle} (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); kplay works, and starts slower\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
