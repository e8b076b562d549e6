/** Shell scripts run on the host: fetch with curl/wget (on_host mode) and extract an archive. All values quoted by sh``. */
import { dirname, basename } from 'node:path/posix';
import { sh } from '../../../engine/transport/quote.ts';
import type { Algo } from './checksum.ts';

export type ArchiveFormat = 'tar.gz' | 'tar.xz' | 'tar' | 'zip';

export function archiveFormat(name: string): ArchiveFormat | undefined {
  if (/\.(tar\.gz|tgz)$/i.test(name)) return 'tar.gz';
  if (/\.(tar\.xz|txz)$/i.test(name)) return 'tar.xz';
  if (/\.tar$/i.test(name)) return 'tar';
  if (/\.zip$/i.test(name)) return 'zip';
  return undefined;
}

export interface HostFetch {
  mirrors: string[];
  dest: string;
  algo: Algo;
  hex: string;
  mode: string;
  owner?: string;
  group?: string;
  timeoutSec: number;
  retries: number;
}

/**
 * Download into a temp file beside dest (umask 077), verify, then chmod/chown and rename: dest
 * never holds a partial or unverified file. Mirrors in order; curl if present, else wget.
 */
export function hostFetchScript(f: HostFetch): string {
  const own = f.owner || f.group ? `${f.owner ?? ''}${f.group ? `:${f.group}` : ''}` : '';
  const sum = f.algo === 'sha256' ? 'sha256sum' : 'sha512sum';
  return [
    'umask 077',
    sh`tmp=$(mktemp ${`${dirname(f.dest)}/.${basename(f.dest)}.kplay-XXXXXX`}) || exit 1`,
    'trap \'rm -f "$tmp"\' EXIT',
    'if command -v curl >/dev/null 2>&1; then',
    sh`  get() { curl -fsSL --retry ${f.retries} --connect-timeout 30 --max-time ${f.timeoutSec} -o "$tmp" "$1"; }`,
    'elif command -v wget >/dev/null 2>&1; then',
    sh`  get() { wget -q -T ${f.timeoutSec} -t ${f.retries + 1} -O "$tmp" "$1"; }`,
    'else echo "neither curl nor wget on the host" >&2; exit 1; fi',
    sh`for url in ${f.mirrors}; do`,
    '  if get "$url"; then',
    `    got=$(${sum} < "$tmp" | cut -d' ' -f1)`,
    sh`    if [ "$got" = ${f.hex} ]; then`,
    sh`      chmod ${f.mode} "$tmp" || exit 1`,
    own ? sh`      chown ${own} "$tmp" || exit 1` : '',
    sh`      mv -f "$tmp" ${f.dest} || exit 1`,
    '      exit 0',
    '    fi',
    `    echo "$url: checksum mismatch: expected ${f.algo}:${f.hex}, got ${f.algo}:$got" >&2`,
    '  else echo "$url: download failed" >&2; fi',
    'done',
    'exit 1',
  ]
    .filter(Boolean)
    .join('\n');
}

export interface Extraction {
  archive: string;
  dir: string;
  format: ArchiveFormat;
  include: string[];
  stripComponents: number;
}

/** tar (owner not taken from the archive) or unzip; members as listed, or all. */
export function extractScript(x: Extraction): string {
  if (x.format === 'zip') {
    return sh`mkdir -p ${x.dir} && unzip -o -q ${x.archive} ${x.include} -d ${x.dir}`;
  }
  const flag = x.format === 'tar.gz' ? '-xzf' : x.format === 'tar.xz' ? '-xJf' : '-xf';
  const strip = x.stripComponents > 0 ? [`--strip-components=${x.stripComponents}`] : [];
  return sh`mkdir -p ${x.dir} && tar ${flag} ${x.archive} -C ${x.dir} --no-same-owner ${strip} ${x.include.length ? ['--', ...x.include] : []}`;
}

/** Where an included member lands after strip_components (undefined when it is stripped away). */
export function extractedPath(member: string, stripComponents: number): string | undefined {
  const parts = member.replace(/^\.\//, '').split('/').filter(Boolean);
  return parts.length > stripComponents ? parts.slice(stripComponents).join('/') : undefined;
}
