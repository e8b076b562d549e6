/**
 * download: put a verified artifact on the host. By default the controller fetches it once per
 * checksum into its cache and uploads it to every host (Kubespray's download_run_once: hosts need
 * no internet); with on_host the host fetches it with curl or wget. Optionally extracts it.
 */
import { join } from 'node:path/posix';
import { defineModule, type ReadContext } from '../../api.ts';
import { fetchAction } from './actions.ts';
import { runProbes } from '../../facts/batch.ts';
import { hashProbe, toolsProbe } from './probes.ts';
import { stat } from '../../facts/stat.ts';
import { statPlanned } from '../../facts/planned-stat.ts';
import { cachePath, exists } from './cache.ts';
import { hashFromChecksumFile, parseChecksumArg, urlFileName, type Algo } from './checksum.ts';
import { archiveFormat, extractedPath, type ArchiveFormat } from './host-scripts.ts';
import { httpGetText } from './http.ts';
import { planDownload, type DownloadState } from './plan.ts';
import { DownloadArgs } from './schema.ts';

/** The expected hash: from the argument, or from the checksum file (fetched once per URL on the controller). */
async function expectedHash(ctx: ReadContext, a: DownloadArgs, fileName: string): Promise<{ algo: Algo; hex: string } | { error: string }> {
  try {
    const c = parseChecksumArg(a.checksum);
    if ('hex' in c) return c;
    const text = await ctx.once(`download-checksum:${c.url}`, () => httpGetText(c.url, { timeoutMs: (a.timeout ?? 300) * 1000, signal: ctx.signal }));
    return { algo: c.algo, hex: hashFromChecksumFile(text, c.algo, fileName) };
  } catch (e) {
    return { error: `checksum: ${(e as Error).message}` };
  }
}

export const download = defineModule({
  name: 'download',
  schema: DownloadArgs,
  doc: {
    short: 'Download a checksum-verified artifact to hosts (controller cache + upload, or fetched on the host), optionally extract it',
    description: [
      'Nothing is fetched when dest already has the checksum. A mismatch fails and leaves no file at dest and no cache entry.',
      'Default mode: the controller fetches each checksum once into its cache (`<cacheDir>/sha256-HEX`, shared by all hosts of the run and by later runs), honouring http_proxy/https_proxy/no_proxy, then uploads the file to each host atomically.',
      'on_host: true: the host downloads with curl (or wget) into a temp file, verifies it with sha256sum/sha512sum and renames it into place.',
      'extract_to: extracts tar.gz/tar.xz/tar (tar) or zip (unzip) on the host; include picks members, strip_components drops leading directories (tar). Extraction reruns when the archive changed, the directory is missing, or an included file is missing.',
    ].join('\n'),
    examples: [
      '- download:',
      '    url: "https://dl.k8s.io/release/v{{kube_version}}/bin/linux/amd64/kubelet"',
      '    checksum: "sha256:https://dl.k8s.io/release/v{{kube_version}}/bin/linux/amd64/kubelet.sha256"',
      '    dest: /usr/local/bin/kubelet',
      '    mode: "0755"',
      '- download:',
      '    url: "https://github.com/etcd-io/etcd/releases/download/v{{etcd_version}}/etcd-v{{etcd_version}}-linux-amd64.tar.gz"',
      '    checksum: "sha256:{{etcd_checksum}}"',
      '    dest: /var/cache/kplay/',
      '    extract_to: /usr/local/bin',
      '    include: ["etcd-v{{etcd_version}}-linux-amd64/etcd", "etcd-v{{etcd_version}}-linux-amd64/etcdctl"]',
      '    strip_components: 1',
    ].join('\n'),
  },
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    // at load time a templated checksum ("sha256:{{etcd_checksum}}") is only known after rendering
    if (!a.checksum.includes('{{')) {
      try {
        parseChecksumArg(a.checksum);
      } catch (e) {
        errs.push({ key: 'checksum', message: (e as Error).message });
      }
    }
    if (!a.extract_to && (a.include || a.strip_components !== undefined || a.format)) errs.push({ key: 'extract_to', message: 'include, strip_components and format need extract_to' });
    return errs;
  },
  actions: [fetchAction],
  async read(ctx, a): Promise<DownloadState> {
    const mirrors = Array.isArray(a.url) ? a.url : [a.url];
    const fileName = urlFileName(mirrors[0]!);
    const algo = parseChecksumArg(a.checksum).algo;
    const asDir = join(a.dest, fileName);
    const include = a.include ?? [];
    const strip = a.strip_components ?? 0;
    const extractFiles = a.extract_to ? include.flatMap((m) => (extractedPath(m, strip) ? [join(a.extract_to!, extractedPath(m, strip)!)] : [])) : [];
    const [expected, host] = await Promise.all([
      expectedHash(ctx, a, fileName),
      runProbes(ctx, {
        dest: statPlanned(a.dest),
        destHash: hashProbe(a.dest, algo),
        inDir: stat(asDir),
        inDirHash: hashProbe(asDir, algo),
        parent: statPlanned(a.dest.endsWith('/') ? a.dest : join(a.dest, '..')),
        tools: toolsProbe,
        ...(a.extract_to ? { xdir: stat(a.extract_to) } : {}),
        ...Object.fromEntries(extractFiles.map((p, i) => [`x${i}`, stat(p)])),
      }),
    ]);
    // check mode: what earlier tasks of the run make of dest and its parent counts as there
    const destIsDir = a.dest.endsWith('/') || (host.dest.st.exists && host.dest.st.type === 'directory') || host.dest.planned?.state === 'directory';
    const dest = destIsDir ? asDir : a.dest;
    const hx = 'hex' in expected ? expected.hex : '';
    const cache = { path: cachePath(ctx.controller.cacheDir, algo, hx || 'unknown'), present: hx ? await exists(cachePath(ctx.controller.cacheDir, algo, hx)) : false };
    const parentExists = destIsDir ? host.dest.st.exists || !!host.dest.planned : host.parent.st.exists || !!host.parent.planned;
    const format = (a.format as ArchiveFormat | undefined) ?? archiveFormat(fileName);
    const hosts = host as unknown as Record<string, { exists: boolean }>;
    return {
      dest,
      fileName,
      mirrors,
      expected,
      destStat: destIsDir ? host.inDir : host.dest.st,
      ...((destIsDir ? host.inDirHash : host.destHash) ? { destHash: (destIsDir ? host.inDirHash : host.destHash)! } : {}),
      parentExists,
      tools: host.tools,
      cache,
      ...(a.extract_to
        ? {
            extract: {
              dir: a.extract_to,
              ...(format ? { format } : {}),
              dirExists: hosts.xdir!.exists,
              missing: extractFiles.filter((_, i) => !hosts[`x${i}`]!.exists),
            },
          }
        : {}),
    };
  },
  plan(state, a) {
    return planDownload(state, a);
  },
});
