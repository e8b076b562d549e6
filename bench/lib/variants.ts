/**
 * What is measured as "kplay": the shipped CLI, bin/kplay.js, which runs the esbuild bundle
 * (dist/kplay.cjs, with its code cache, built by `npm ci` via "prepare") when it is fresh; or, as a diagnostic,
 * the same sources through tsx (KPLAY_FROM_SOURCE=1), which is what a developer's edited tree runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tool } from './tools.ts';

/** kplay-direct: without the connection keeper (KPLAY_SSH_PERSIST=0), every run connects afresh. */
export type Variant = 'kplay' | 'kplay-direct' | 'kplay-tsx' | 'ansible';

export function variantTool(v: Variant): Tool {
  return v === 'ansible' ? 'ansible' : 'kplay';
}

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * A copy of the working tree's sources (engine, modules, bin, scripts, playbooks, package.json, tsconfig.json) in
 * bench/.build/tree with node_modules linked: other engineers edit /work/main while the benchmark
 * runs, and every edit would both change the code under test and cost tsx a re-transpile.
 */
export function snapshotTree(log: (m: string) => void): string {
  const out = join(ROOT, 'bench', '.build', 'tree');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // playbooks/: the build trains the code cache on the sample playbook
  execFileSync('cp', ['-a', 'engine', 'modules', 'bin', 'scripts', 'playbooks', 'package.json', 'tsconfig.json', out], { cwd: ROOT });
  if (!existsSync(join(out, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  // what `npm ci` does through "prepare": the bundle that bin/kplay.js runs when it is fresh
  execFileSync('node', [join(out, 'scripts', 'build.mjs')], { cwd: out, stdio: 'inherit' });
  log(`snapshot of the sources in ${out}, bundle built`);
  return join(out, 'bin', 'kplay.js');
}
