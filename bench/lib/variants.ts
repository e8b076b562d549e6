/**
 * What is measured as "kplay": the shipped CLI (bin/kplay.js, TypeScript through tsx's loader), or
 * the same sources bundled by esbuild into one ESM file (what a build step would ship), to show
 * what start-up through the loader costs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tool } from './tools.ts';

export type Variant = 'kplay' | 'kplay-bundle' | 'ansible';

export function variantTool(v: Variant): Tool {
  return v === 'ansible' ? 'ansible' : 'kplay';
}

const ROOT = resolve(import.meta.dirname, '..', '..');

/** bench/.build/{engine/cli.mjs, kplay.mjs, package.json}: the layout cli.ts's `../package.json` expects. */
export function buildBundle(log: (m: string) => void): string {
  const out = join(ROOT, 'bench', '.build');
  mkdirSync(join(out, 'engine'), { recursive: true });
  execFileSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), ['engine/cli.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', '--log-level=warning', `--outfile=${join(out, 'engine', 'cli.mjs')}`], { cwd: ROOT, stdio: 'inherit' });
  copyFileSync(join(ROOT, 'package.json'), join(out, 'package.json'));
  writeFileSync(join(out, 'kplay.mjs'), "import { main } from './engine/cli.mjs';\nawait main(process.argv.slice(2));\n");
  log(`bundled kplay into ${out}`);
  return join(out, 'kplay.mjs');
}
