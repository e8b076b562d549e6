/**
 * ssh2, loaded on first use: a run whose hosts all go through the connection keeper (keeper/)
 * never loads it (~50 ms of start-up CPU and its WebAssembly heap), and neither do runs on
 * localhost only.
 */
import { createRequire } from 'node:module';
import type ssh2Module from 'ssh2';

let lib: typeof ssh2Module | undefined;

export function ssh2(): typeof ssh2Module {
  // ssh2 is CommonJS and stays outside the bundle (its optional native parts sit beside its files)
  lib ??= createRequire(import.meta.url)('ssh2') as typeof ssh2Module;
  return lib;
}
