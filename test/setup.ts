/**
 * Root hook for every test run (.mocharc.json `require`): the Debian packages the integration
 * tests need (test/debian-packages.txt, the list .ci/run installs too) are installed when the run
 * is root on a Debian machine, so that `npm test` on a fresh machine sets itself up; otherwise the
 * exact command is printed once and the tests that need them skip with their own message.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LIST = join(import.meta.dirname, 'debian-packages.txt');

export function requiredPackages(): string[] {
  return readFileSync(LIST, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

function missing(packages: string[]): string[] {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...packages], { encoding: 'utf8' });
  const installed = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]));
  return packages.filter((p) => !installed.has(p));
}

function ensurePackages(): void {
  if (!existsSync('/usr/bin/dpkg-query') || process.env.KPLAY_TEST_NO_INSTALL) return;
  const want = missing(requiredPackages());
  if (want.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${want.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.warn(`\n  Tests on real hosts need Debian packages that are missing. Run, then npm test again:\n    sudo sh -c '${command}'\n`);
    return;
  }
  console.log(`  installing the Debian packages the tests need: ${want.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...want], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(15 * 60_000);
    ensurePackages();
  },
};
