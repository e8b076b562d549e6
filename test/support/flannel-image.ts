/**
 * `localhost/kplay/flannel:test`: one local image that stands in for both upstream flannel images
 * (ghcr.io/flannel-io/flannel and flannel-cni-plugin), built on this machine with engine/lab/oci.ts
 * from ../shared/k8s's flanneld v0.20.2 and flannel CNI plugin v0.9.1 (no registry, no internet):
 *
 *   /opt/bin/flanneld   the upstream image's entrypoint path (the DaemonSet's command)
 *   /flannel            the CNI plugin where flannel-cni-plugin has it (its init container's cp)
 *   /bin/busybox + applets (cp, sh) for the init containers
 *   iptables (this machine's Debian xtables-nft-multi with its libraries and extensions): flanneld
 *   runs iptables for --ip-masq and its FORWARD rules, as the upstream (Alpine) image does.
 *
 * Cached in /var/cache/kplay/oci-flannel/<key>/flannel.tar, key = the inputs' hashes; built in a
 * temporary directory and renamed into place.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUSYBOX, writeLayer, writeOciArchive } from '../../engine/lab/oci.ts';

export const FLANNEL_TEST_IMAGE_REPO = 'localhost/kplay/flannel';
export const FLANNEL_TEST_IMAGE_TAG = 'test';
export const FLANNEL_TEST_IMAGE = `${FLANNEL_TEST_IMAGE_REPO}:${FLANNEL_TEST_IMAGE_TAG}`;
const CACHE = '/var/cache/kplay/oci-flannel';
const LAYOUT_VERSION = 1;
const XTABLES = '/usr/sbin/xtables-nft-multi';
const XTABLES_EXT = '/usr/lib/x86_64-linux-gnu/xtables';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The shared libraries (absolute paths, the loader included) that ldd lists for these files. */
function sharedLibs(files: string[]): Set<string> {
  const libs = new Set<string>();
  for (const f of files) {
    const out = execFileSync('ldd', [f], { encoding: 'utf8' });
    for (const m of out.matchAll(/(?:=>\s*)?(\/[^\s]+)\s+\(0x/g)) libs.add(m[1]!);
  }
  return libs;
}

/** Copies a file into rootfs at the same path (following symlinks for its content). */
function put(rootfs: string, path: string, from = path, mode = 0o755): void {
  const dest = join(rootfs, path);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(realpathSync(from), dest);
  chmodSync(dest, mode);
}

export interface FlannelImage {
  image: string;
  repo: string;
  tag: string;
  /** The OCI layout tarball on this machine. */
  tarball: string;
}

/** Builds the image unless cached. flanneld and flannel are the decompressed ../shared/k8s binaries. */
export async function ensureFlannelImage(flanneld: string, cniPlugin: string): Promise<FlannelImage> {
  if (!existsSync(XTABLES)) throw new Error(`the flannel test image needs ${XTABLES} (apt-get install iptables)`);
  const extensions = readdirSync(XTABLES_EXT).filter((f) => f.endsWith('.so')).map((f) => join(XTABLES_EXT, f));
  const inputs = [flanneld, cniPlugin, BUSYBOX, XTABLES].map((f) => sha256(readFileSync(f)));
  const key = sha256(`${LAYOUT_VERSION}\n${inputs.join('\n')}\n${extensions.join('\n')}`).slice(0, 16);
  const dir = join(CACHE, key);
  const tarball = join(dir, 'flannel.tar');
  const result = { image: FLANNEL_TEST_IMAGE, repo: FLANNEL_TEST_IMAGE_REPO, tag: FLANNEL_TEST_IMAGE_TAG, tarball };
  if (existsSync(tarball)) return result;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const rootfs = join(tmp, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['etc', 'tmp', 'run', 'usr/sbin']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  put(rootfs, '/bin/busybox', BUSYBOX);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of new Set(applets)) symlinkSync('busybox', join(rootfs, 'bin', a));
  put(rootfs, '/opt/bin/flanneld', flanneld);
  put(rootfs, '/flannel', cniPlugin);
  put(rootfs, XTABLES);
  for (const n of ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore']) symlinkSync('xtables-nft-multi', join(rootfs, 'usr/sbin', n));
  for (const e of extensions) put(rootfs, e, e, 0o644);
  for (const lib of sharedLibs([XTABLES, ...extensions])) put(rootfs, lib, lib, 0o755);
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  const layerPath = join(tmp, 'layer.tar');
  const layerDigest = await writeLayer(rootfs, layerPath);
  mkdirSync(join(tmp, 'out'));
  await writeOciArchive({
    layerPath,
    layerDigest,
    image: FLANNEL_TEST_IMAGE,
    config: { Entrypoint: ['/opt/bin/flanneld'], Env: ['PATH=/opt/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '/' },
    history: 'kplay test: flanneld v0.20.2 and the flannel CNI plugin v0.9.1 from ../shared/k8s, busybox-static, Debian iptables',
    out: join(tmp, 'out', 'flannel.tar'),
    workDir: join(tmp, 'layout'),
  });
  mkdirSync(CACHE, { recursive: true });
  try {
    renameSync(join(tmp, 'out'), dir);
  } catch {
    // another process built it first
  }
  rmSync(tmp, { recursive: true, force: true });
  return result;
}
