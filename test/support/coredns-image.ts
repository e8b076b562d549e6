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
import { isStaticElf, ociArch } from '../../engine/lab/oci.ts';
import { run } from '../../engine/lab/run.ts';

export const COREDNS_IMAGE_REPO = 'localhost/kplay/coredns';
export const COREDNS_IMAGE_TAG = 'test';
export const COREDNS_IMAGE = `${COREDNS_IMAGE_REPO}:${COREDNS_IMAGE_TAG}`;
const CACHE = '/var/cache/kplay/test-images';
/** Bump when the layout below changes. */
const VERSION = 1;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const TAR = ['tar', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu'];

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
  await run([...TAR, '-cf', layerPath, '-C', rootfs, '.']);
  const layer = readFileSync(layerPath);
  const layerDigest = sha256(layer);
  const layout = join(tmp, 'layout');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = (b: Buffer | string) => {
    const buf = Buffer.from(b);
    const d = sha256(buf);
    writeFileSync(join(blobs, d), buf);
    return { digest: `sha256:${d}`, size: buf.length };
  };
  copyFileSync(layerPath, join(blobs, layerDigest));
  const arch = ociArch();
  const config = blob(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      config: { Entrypoint: ['/coredns'], ExposedPorts: { '53/tcp': {}, '53/udp': {} }, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: 'kplay test: CoreDNS from ../shared/k8s/coredns' }],
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: arch, os: 'linux' },
          annotations: { 'io.containerd.image.name': COREDNS_IMAGE, 'org.opencontainers.image.ref.name': COREDNS_IMAGE_TAG },
        },
      ],
    }),
  );
  mkdirSync(join(tmp, 'out'));
  await run([...TAR, '-cf', join(tmp, 'out', 'coredns.tar'), '-C', layout, 'oci-layout', 'index.json', 'blobs']);
  mkdirSync(CACHE, { recursive: true });
  try {
    renameSync(join(tmp, 'out'), dir);
  } catch {
    // another process built it first
  }
  rmSync(tmp, { recursive: true, force: true });
  return tarball;
}
