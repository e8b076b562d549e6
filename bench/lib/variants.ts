/**
 * What is measured as "kplay": the shipped CLI, bin/kplay.js, which runs the esbuild bundle
 * (dist/kplay.cjs, with its code cache, built by `npm ci` via "prepare") when it is fresh; or, as a diagnostic,
 * the same sources through tsx (KPLAY_FROM_SOURCE=1), which is what a developer's edited tree runs.
 * A kplay variant may name a commit (`kplay@d5e05aa`): that commit's sources, built on their own,
 * so that two commits can be measured alternately on the same labs (`bench/run.ts --commits`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tool } from './tools.ts';

/** kplay-direct: without the connection keeper (KPLAY_SSH_PERSIST=0), every run connects afresh. */
export type Kind = 'kplay' | 'kplay-direct' | 'kplay-tsx' | 'ansible';
/** A kind, or a kplay kind at a commit: `kplay@d5e05aa`, `kplay-direct@3ac1f65`. */
export type Variant = Kind | `${Kind}@${string}`;

export function variantKind(v: Variant): Kind {
  return v.split('@')[0] as Kind;
}

/** The commit a variant runs, or undefined for the working tree's snapshot. */
export function variantCommit(v: Variant): string | undefined {
  return v.split('@')[1];
}

export function variantTool(v: Variant): Tool {
  return variantKind(v) === 'ansible' ? 'ansible' : 'kplay';
}

const ROOT = resolve(import.meta.dirname, '..', '..');
/** What the CLI needs to run and build; playbooks/: the build trains the code cache on the sample playbook. */
const SOURCES = ['engine', 'modules', 'bin', 'scripts', 'playbooks', 'package.json', 'tsconfig.json'];

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** A commit's short hash, which names its variants and its build directory. */
export function shortCommit(rev: string): string {
  return git('rev-parse', '--short', `${rev}^{commit}`);
}

/**
 * A copy of the sources in bench/.build/tree (the working tree) or bench/.build/<commit> (that
 * commit, by `git archive`), with node_modules linked and the bundle built there: other engineers
 * edit the tree while the benchmark runs, and every edit would change the code under test.
 * Returns the copy's bin/kplay.js.
 */
export function snapshotTree(log: (m: string) => void, commit?: string): string {
  const out = join(ROOT, 'bench', '.build', commit ?? 'tree');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  if (commit) {
    const tar = join(out, 'sources.tar');
    git('archive', '--format=tar', '-o', tar, commit, ...SOURCES, 'package-lock.json');
    execFileSync('tar', ['-x', '-f', tar, '-C', out]);
    rmSync(tar);
  } else {
    execFileSync('cp', ['-a', ...SOURCES, out], { cwd: ROOT });
  }
  // the working tree's packages, unless the commit locks others: then its own
  const sameLock = !commit || readFileSync(join(out, 'package-lock.json'), 'utf8') === readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
  if (sameLock) {
    if (!existsSync(join(out, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  } else {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: out, stdio: 'inherit' });
  }
  // what `npm ci` does through "prepare": the bundle that bin/kplay.js runs when it is fresh
  execFileSync('node', [join(out, 'scripts', 'build.mjs')], { cwd: out, stdio: 'inherit' });
  log(`snapshot of the sources${commit ? ` at ${commit}` : ''} in ${out}, bundle built`);
  return join(out, 'bin', 'kplay.js');
}
