/**
 * The lab's local container images, built on this machine from Debian's busybox-static (no
 * registry, no internet): `localhost/kplay/busybox:lab` (busybox and its applets) and
 * `localhost/kplay/pause:lab` (the same layer, entrypoint `sleep infinity`), each an OCI image
 * layout tarball that `ctr -n k8s.io images import` accepts. Digests come from node:crypto, the
 * tarballs from the system tar. Cached in CACHE_DIR/oci/<key>/, key = the busybox binary's hash
 * and the layout of this file; built into a temporary directory and renamed into place, so
 * concurrent builders never see a half-written image.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './names.ts';
import { LabError, run } from './run.ts';

export const BUSYBOX = '/bin/busybox';
export const PAUSE_IMAGE = 'localhost/kplay/pause:lab';
export const BUSYBOX_IMAGE = 'localhost/kplay/busybox:lab';

/** Bump when the image layout below changes. */
const OCI_VERSION = 1;

export interface LabImage {
  /** The image reference ctr/crictl/kubelet know it by. */
  image: string;
  /** The OCI layout tarball on this machine. */
  tarball: string;
  /** File name of the tarball on a host, under HOST_IMAGE_DIR. */
  file: string;
}
export interface LabImages {
  pause: LabImage;
  busybox: LabImage;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Go's architecture names, as OCI platforms use them. */
export function ociArch(arch: string = process.arch): string {
  const m: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const a = m[arch];
  if (!a) throw new LabError(`no OCI architecture name for ${arch}`);
  return a;
}

/** A statically linked ELF has no PT_INTERP program header (a dynamic busybox would not run in an empty image). */
export function isStaticElf(buf: Buffer): boolean {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2) return false; // ELF64 only
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = Number(le ? buf.readBigUInt64LE(0x20) : buf.readBigUInt64BE(0x20));
  const phentsize = u16(0x36);
  const phnum = u16(0x38);
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === 3) return false;
  return true;
}

function busybox(): Buffer {
  if (!existsSync(BUSYBOX)) throw new LabError(`the lab's images need ${BUSYBOX}: apt-get install busybox-static`);
  const bin = readFileSync(BUSYBOX);
  if (!isStaticElf(bin)) throw new LabError(`${BUSYBOX} is dynamically linked: the lab's images need Debian's busybox-static (apt-get install busybox-static)`);
  return bin;
}

export function ociPaths(cacheDir = CACHE_DIR, bin = busybox()) {
  const key = sha256(`${OCI_VERSION}\n${ociArch()}\n${sha256(bin)}`).slice(0, 16);
  const dir = join(cacheDir, 'oci', key);
  return { key, dir, pause: join(dir, 'pause.tar'), busybox: join(dir, 'busybox.tar') };
}

/** Builds the two images unless cached; returns where they are. */
export async function ensureLabImages(opts: { cacheDir?: string; log?: (m: string) => void } = {}): Promise<LabImages> {
  const bin = busybox();
  const p = ociPaths(opts.cacheDir, bin);
  const images: LabImages = {
    pause: { image: PAUSE_IMAGE, tarball: p.pause, file: 'pause.tar' },
    busybox: { image: BUSYBOX_IMAGE, tarball: p.busybox, file: 'busybox.tar' },
  };
  if (existsSync(p.pause) && existsSync(p.busybox)) return images;
  const t0 = Date.now();
  const tmp = `${p.dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await buildImages(tmp, bin);
    rmSync(p.dir, { recursive: true, force: true });
    renameSync(join(tmp, 'out'), p.dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  opts.log?.(`lab images ${PAUSE_IMAGE} and ${BUSYBOX_IMAGE} built from ${BUSYBOX} in ${Date.now() - t0} ms`);
  return images;
}

/** Reproducible tar: sorted, owned by root, mtime 0. */
const TAR = ['tar', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu'];

async function buildImages(tmp: string, bin: Buffer): Promise<void> {
  // the root file system: /bin/busybox, a symlink per applet, /tmp, a root user
  const rootfs = join(tmp, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'));
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  writeFileSync(join(rootfs, 'bin', 'busybox'), bin);
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = (await run([BUSYBOX, '--list'])).stdout.split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of [...new Set(applets)]) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const layerPath = join(tmp, 'layer.tar');
  const layerDigest = await writeLayer(rootfs, layerPath);

  const out = join(tmp, 'out');
  mkdirSync(out);
  const env = ['PATH=/bin'];
  const specs = [
    { file: 'pause.tar', image: PAUSE_IMAGE, config: { Entrypoint: ['/bin/sleep', 'infinity'], Env: env, WorkingDir: '/' } },
    { file: 'busybox.tar', image: BUSYBOX_IMAGE, config: { Cmd: ['/bin/sh'], Env: env, WorkingDir: '/' } },
  ];
  for (const s of specs) {
    await writeOciArchive({ layerPath, layerDigest, image: s.image, config: s.config, history: `kplay lab: ${BUSYBOX} from Debian's busybox-static`, out: join(out, s.file), workDir: join(tmp, `layout-${s.file}`) });
  }
}

/** A reproducible layer tarball of a root file system directory (sorted, root-owned, mtime 0); returns its sha256. */
export async function writeLayer(rootfs: string, layerPath: string): Promise<string> {
  await run([...TAR, '-cf', layerPath, '-C', rootfs, '.']);
  return sha256(readFileSync(layerPath));
}

export interface OciArchiveSpec {
  /** The layer tarball (uncompressed) and its sha256 (writeLayer). */
  layerPath: string;
  layerDigest: string;
  /** The reference containerd imports it as (io.containerd.image.name). */
  image: string;
  /** The OCI image config's `config` (Entrypoint, Cmd, Env, WorkingDir). */
  config: Record<string, unknown>;
  history: string;
  /** The OCI layout tarball to write, and an empty scratch directory for its layout. */
  out: string;
  workDir: string;
}

/** One single-layer image as an OCI image layout tarball that `ctr images import` accepts. */
export async function writeOciArchive(s: OciArchiveSpec): Promise<void> {
  const arch = ociArch();
  const layer = readFileSync(s.layerPath);
  const blobs = join(s.workDir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = (b: Buffer | string) => {
    const buf = Buffer.from(b);
    const d = sha256(buf);
    writeFileSync(join(blobs, d), buf);
    return { digest: `sha256:${d}`, size: buf.length };
  };
  copyFileSync(s.layerPath, join(blobs, s.layerDigest));
  const config = blob(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      config: s.config,
      rootfs: { type: 'layers', diff_ids: [`sha256:${s.layerDigest}`] },
      history: [{ created_by: s.history }],
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${s.layerDigest}`, size: layer.length }],
    }),
  );
  writeFileSync(join(s.workDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(s.workDir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: arch, os: 'linux' },
          // containerd names the image after io.containerd.image.name; the OCI ref name is the tag
          annotations: { 'io.containerd.image.name': s.image, 'org.opencontainers.image.ref.name': s.image.split(':').pop() },
        },
      ],
    }),
  );
  await run([...TAR, '-cf', s.out, '-C', s.workDir, 'oci-layout', 'index.json', 'blobs']);
}
