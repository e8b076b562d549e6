#!/usr/bin/env node
// Makes dist/kplay.cjs.cache, V8's code cache for the bundle; run by scripts/build.mjs in a child
// process started with no node flags (V8 refuses a cache made under other flags):
//   node scripts/train-code-cache.mjs BUNDLE WORKDIR
// It compiles the bundle exactly as bin/kplay.js does (bin/load-bundle.js), runs what a typical
// invocation runs, then asks V8 for the cache: made after running, it holds the functions those runs
// compiled too, not only the top level. The runs are the sample playbook on localhost, in check mode
// then applied, on a copy under WORKDIR with KPLAY_CACHE_DIR there too: nothing outside WORKDIR is
// written, no host but this one is contacted.
import { cpSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cacheFileBytes, cacheFileOf, compileBundle, runBundle } from '../bin/load-bundle.js';

const [bundle, work] = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.KPLAY_CACHE_DIR = join(work, 'cache');

const bundleBytes = readFileSync(bundle);
const script = compileBundle(bundle, bundleBytes);
const { dispatch } = runBundle(script, bundle);

// what a run printed, shown only when it failed
let output = '';
const collect = new Writable({
  write: (chunk, _enc, done) => {
    output += chunk;
    done();
  },
});

async function exercise(argv) {
  output = '';
  const code = await dispatch(argv, { out: collect, err: collect });
  // a failed run still leaves a usable (if colder) cache: say so, do not fail the build
  if (code !== 0) process.stderr.write(`warning: kplay ${argv.join(' ')} exited ${code} while making the code cache:\n${output}`);
}

await exercise(['--version']);
// the sample is absent from trees that copy only the code (bench/lib/variants.ts): the cache then
// holds less, and is as valid
const sample = join(root, 'playbooks', 'sample.yml');
if (existsSync(sample)) {
  cpSync(sample, join(work, 'sample.yml'));
  cpSync(join(root, 'playbooks', 'templates'), join(work, 'templates'), { recursive: true });
  const play = join(work, 'sample.yml');
  const vars = ['-e', `sample_root=${join(work, 'sample-root')}`];
  await exercise(['run', play, '--check', '--diff', ...vars]);
  await exercise(['run', play, ...vars]);
}

// atomic: a run starting now reads the old cache file or the new one, never half of one (the old
// one, made for other bundle bytes, is ignored anyway)
const cacheFile = cacheFileOf(bundle);
const tmp = `${cacheFile}.${process.pid}.tmp`;
writeFileSync(tmp, cacheFileBytes(bundleBytes, script.createCachedData()));
renameSync(tmp, cacheFile);
process.exit(0);
