/**
 * ajv validators, compiled once per schema and cached on disk as ajv "standalone" code.
 * Why: compiling the play/block/handler keyword schemas and the module schemas cost ~0.3–0.6 s of
 * CPU on every `kplay run`, most of a no-op run; loading the cached code costs ~10 ms. The code is
 * ajv's own output (ajv compiles with `new Function` too); it is keyed by the ajv version, the
 * options and the schema, so a changed schema is simply compiled again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';

const require = createRequire(import.meta.url);
const ajvVersion = (require('ajv/package.json') as { version: string }).version;
type Standalone = (ajv: Ajv, validate: ValidateFunction) => string;
const standaloneCode: Standalone =
  (standaloneModule as unknown as { default?: Standalone }).default ?? (standaloneModule as unknown as Standalone);

function cacheDir(): string {
  return join(process.env.KPLAY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kplay'), 'ajv');
}

export interface SchemaCompiler {
  compile(schema: object): ValidateFunction;
}

export function createCompiler(options: Options): SchemaCompiler {
  // made on the first schema the disk cache lacks: constructing Ajv (meta-schemas) costs ~15 ms of start-up per compiler
  let instance: Ajv | undefined;
  const ajv = (): Ajv => (instance ??= new Ajv({ ...options, code: { ...options.code, source: true } }));
  const optionsKey = JSON.stringify(options);
  const memo = new WeakMap<object, ValidateFunction>();

  function load(file: string): ValidateFunction | undefined {
    let code: string;
    try {
      code = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const mod = { exports: {} as { default?: ValidateFunction } };
    new Function('require', 'module', 'exports', code)(require, mod, mod.exports);
    return mod.exports.default ?? (mod.exports as unknown as ValidateFunction);
  }

  function store(file: string, validate: ValidateFunction): void {
    try {
      mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(tmp, standaloneCode(ajv(), validate), { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // a read-only home only costs the compile time next run
    }
  }

  return {
    compile(schema) {
      let v = memo.get(schema);
      if (v) return v;
      const key = createHash('sha256').update(`${ajvVersion}\0${optionsKey}\0${JSON.stringify(schema)}`).digest('hex').slice(0, 32);
      const file = join(cacheDir(), `${key}.cjs`);
      try {
        v = load(file);
      } catch {
        v = undefined;
      }
      if (!v) {
        v = ajv().compile(schema);
        store(file, v);
      }
      memo.set(schema, v);
      return v;
    },
  };
}
