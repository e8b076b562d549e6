/**
 * The host image: debootstrap once, customise, cache as a tar.zst keyed by imageKey(); unpack the
 * tarball into a shared read-only lower dir that every host's overlay stacks on. Several test
 * processes may ask at the same moment, so building and unpacking happen under a lock, into a
 * temporary directory that is renamed into place when complete.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './names.ts';
import { CUSTOMISE_SCRIPT, PACKAGES, SUITE, imageKey } from './image-spec.ts';
import { configuredMirror } from './mirror.ts';
import { withLock } from './lock.ts';
import { removeTree, unmountUnder } from './mounts.ts';
import { run } from './run.ts';

export interface Image {
  key: string;
  /** The unpacked rootfs: an overlay lower dir, never written to. */
  rootfs: string;
  tarball: string;
  /** What ensureImage had to do, with timings, for reports and benchmarks. */
  action: 'cached' | 'restored' | 'built';
  ms: number;
}

export interface ImageOptions {
  cacheDir?: string;
  log?: (msg: string) => void;
}

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

const TAR_FLAGS = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls'];

export function imagePaths(cacheDir = CACHE_DIR, key = imageKey()) {
  const dir = join(cacheDir, 'images');
  return { dir, key, tarball: join(dir, `${key}.tar.zst`), unpacked: join(dir, key), rootfs: join(dir, key, 'rootfs'), lock: join(dir, `${key}.lock`) };
}

export async function ensureImage(opts: ImageOptions = {}): Promise<Image> {
  const p = imagePaths(opts.cacheDir);
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const result = (action: Image['action']): Image => ({ key: p.key, rootfs: p.rootfs, tarball: p.tarball, action, ms: Date.now() - t0 });
  if (existsSync(p.rootfs)) return result('cached');
  mkdirSync(p.dir, { recursive: true });
  return withLock(p.lock, async () => {
    if (existsSync(p.rootfs)) return result('cached'); // another process finished while we waited
    await removeLeftovers(p.dir, p.key);
    const tmp = join(p.dir, `${p.key}.tmp-${process.pid}`);
    mkdirSync(tmp);
    if (existsSync(p.tarball)) {
      log(`restoring lab image ${p.key}`);
      await unpack(p.tarball, join(tmp, 'rootfs'));
      renameSync(tmp, p.unpacked);
      return result('restored');
    }
    log(`building lab image ${p.key} (debootstrap ${SUITE}: a minute or more; cached afterwards)`);
    await build(join(tmp, 'rootfs'), log);
    const t = Date.now();
    const tarTmp = `${p.tarball}.tmp-${process.pid}`;
    await run(['tar', '-C', join(tmp, 'rootfs'), ...TAR_FLAGS, '-I', 'zstd -T0 -3', '-cf', tarTmp, '.']);
    renameSync(tarTmp, p.tarball);
    log(`lab image: tarball written in ${seconds(t)}`);
    renameSync(tmp, p.unpacked);
    await pruneOtherImages(p.dir, p.key, log);
    return result('built');
  });
}

/** A build or unpack that was killed half-way leaves `<key>.tmp-PID`; we hold the lock, so it is dead. */
async function removeLeftovers(dir: string, key: string): Promise<void> {
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${key}.tmp-`) || f.startsWith(`${key}.tar.zst.tmp-`)) await removeTree(join(dir, f));
  }
}

/**
 * A new image replaces older ones (another package list or customisation). An old image that a
 * running host still has as its overlay lower dir stays until the next build.
 */
async function pruneOtherImages(dir: string, key: string, log: (m: string) => void): Promise<void> {
  const inUse = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const f of readdirSync(dir)) {
    const m = /^(bookworm-[0-9a-f]{16})(\.tar\.zst|\.lock)?$/.exec(f);
    if (!m || m[1] === key || inUse.includes(`lowerdir=${join(dir, m[1] as string)}/`)) continue;
    log(`removing old lab image ${f}`);
    await removeTree(join(dir, f));
  }
}

async function unpack(tarball: string, rootfs: string): Promise<void> {
  mkdirSync(rootfs, { recursive: true });
  await run(['tar', '-C', rootfs, ...TAR_FLAGS, '-I', 'zstd -T0', '-xf', tarball]);
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function build(rootfs: string, log: (m: string) => void): Promise<void> {
  const mirror = configuredMirror(SUITE);
  let t = Date.now();
  try {
    // an explicit keyring: without one debootstrap would quietly switch to another mirror over https
    await run(['debootstrap', '--variant=minbase', `--keyring=${DEBIAN_KEYRING}`, `--include=${PACKAGES.join(',')}`, SUITE, rootfs, mirror]);
  } finally {
    // debootstrap mounts /proc and /sys in its target and leaves them on failure
    await removeMountsOnly(rootfs);
  }
  log(`lab image: debootstrap done in ${seconds(t)}`);
  t = Date.now();
  writeFileSync(join(rootfs, 'etc', 'kplay-lab-image'), `${imageKey()}\n`);
  await run(['chroot', rootfs, '/bin/sh', '-eu'], { input: CUSTOMISE_SCRIPT, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  log(`lab image: customised in ${seconds(t)}`);
}

async function removeMountsOnly(rootfs: string): Promise<void> {
  for (const m of ['proc', 'sys', 'dev']) await unmountUnder(join(rootfs, m)).catch(() => undefined);
}
