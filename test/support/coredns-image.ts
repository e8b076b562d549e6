/**
 * A local CoreDNS image for tests: `localhost/kplay/coredns:test`, an OCI image layout tarball
 * (what `ctr -n k8s.io images import` and the containerd role's containerd_preload_images take)
 * holding the statically linked CoreDNS of ../shared/k8s (`coredns/coredns`, decompressed by
 * k8sBinaries) as /coredns, entrypoint ["/coredns"] as upstream's image. Built the way
 * engine/lab/oci.ts builds the lab's pause and busybox images (reproducible tar, digests from
 * node:crypto), cached under /var/cache/kplay/test-images/<sha of the binary>/, built in a temporary
 * directory and renamed into place.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStaticElf, ociArch, writeLayer, writeOciArchive } from '../../engine/lab/oci.ts';

export const COREDNS_IMAGE_REPO = 'localhost/kplay/coredns';
export const COREDNS_IMAGE_TAG = 'test';
export const COREDNS_IMAGE = `${COREDNS_IMAGE_REPO}:${COREDNS_IMAGE_TAG}`;
const CACHE = '/var/cache/kplay/test-images';
/** Bump when the layout below changes. */
const VERSION = 2;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Returns the path of the image tarball (built unless cached). */
export async function corednsImage(binary: string): Promise<string> {
  const bin = readFileSync(binary);
  if (!isStaticElf(bin)) throw new Error(`${binary} is not a statically linked ELF: it cannot run in an empty image`);
  const dir = join(CACHE, sha256(`${VERSION}\n${ociArch()}\n${sha256(bin)}`).slice(0, 16));
  const tarball = join(dir, 'coredns.tar');
  if (existsSync(tarball)) return tarball;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const rootfs = join(tmp, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(binary, join(rootfs, 'coredns'));
  chmodSync(join(rootfs, 'coredns'), 0o755);
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\n');
  const layerPath = join(tmp, 'layer.tar');
  const layerDigest = await writeLayer(rootfs, layerPath);
  mkdirSync(join(tmp, 'out'));
  mkdirSync(join(tmp, 'layout'));
  await writeOciArchive({
    layerPath,
    layerDigest,
    image: COREDNS_IMAGE,
    config: { Entrypoint: ['/coredns'], ExposedPorts: { '53/tcp': {}, '53/udp': {} }, WorkingDir: '/' },
    history: 'kplay test: CoreDNS from ../shared/k8s/coredns',
    out: join(tmp, 'out', 'coredns.tar'),
    workDir: join(tmp, 'layout'),
  });
  mkdirSync(CACHE, { recursive: true });
  try {
    renameSync(join(tmp, 'out'), dir);
  } catch {
    // another process built it first
  }
  rmSync(tmp, { recursive: true, force: true });
  return tarball;
}
