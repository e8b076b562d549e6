// Loads the CommonJS bundle (dist/kplay.cjs) through node:vm with the V8 code cache that
// scripts/build.mjs made beside it (dist/kplay.cjs.cache): compiling the ~1.5 MB bundle and the
// functions a run calls costs ~0.1 s of CPU per invocation otherwise, and Node 20 offers a code
// cache for scripts only (module.enableCompileCache is Node 22). The cache is only an optimisation:
// missing, made for another bundle, damaged or refused by V8 (another Node version or V8 flags), it is
// ignored and the bundle compiled as before. Nothing here writes: users never pay for making it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

// cache file: MAGIC, sha256 of the bundle's bytes, sha256 of the V8 data, the V8 data. V8 checks its
// version and flags but of the source only its length, and does not verify its payload in release
// builds (a flipped byte crashes the process): both digests are checked before V8 sees the data.
const MAGIC = Buffer.from('kplay-code-cache 1\n');
const HEADER = MAGIC.length + 64;

export function cacheFileOf(bundle) {
  return `${bundle}.cache`;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** The V8 code cache in `cacheFile` when it was made for exactly these bundle bytes and is intact. */
function readCache(cacheFile, bundleBytes) {
  let file;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (file.length <= HEADER || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const data = file.subarray(HEADER);
  if (!file.subarray(MAGIC.length, MAGIC.length + 32).equals(sha256(bundleBytes))) return undefined;
  if (!file.subarray(MAGIC.length + 32, HEADER).equals(sha256(data))) return undefined;
  return data;
}

/** What scripts/build.mjs writes to the cache file. */
export function cacheFileBytes(bundleBytes, v8Data) {
  return Buffer.concat([MAGIC, sha256(bundleBytes), sha256(v8Data), v8Data]);
}

/**
 * Compiles the bundle, with `cachedData` when given. Its text is one function expression, the
 * CommonJS wrapper around the code (scripts/build.mjs): compiled as it is, no second copy of it.
 */
export function compileBundle(bundle, bundleBytes, cachedData) {
  return new vm.Script(bundleBytes.toString('utf8'), {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
    // a dynamic import() of an external package goes to Node's loader as in any CommonJS file
    // (vm.constants is Node >= 20.12; before, such an import() would throw, and none exists today)
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
}

/** Runs the compiled bundle as Node runs a CommonJS file; returns its exports. */
export function runBundle(script, bundle) {
  const module = { exports: {}, id: bundle, filename: bundle, loaded: false };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  module.loaded = true;
  return module.exports;
}

/**
 * The bundle's exports, compiled with its code cache when that is usable. KPLAY_DEBUG_CODE_CACHE=1
 * says on stderr which it was (tests and benchmarks check it).
 */
export function loadBundle(bundle) {
  const bundleBytes = readFileSync(bundle);
  const cachedData = readCache(cacheFileOf(bundle), bundleBytes);
  const script = compileBundle(bundle, bundleBytes, cachedData);
  if (process.env.KPLAY_DEBUG_CODE_CACHE) {
    process.stderr.write(`kplay: code cache ${!cachedData ? 'unusable or missing' : script.cachedDataRejected ? 'rejected by V8' : 'accepted'}\n`);
  }
  return runBundle(script, bundle);
}
