/** Checksums: the argument's forms and checksum files (bare hash, `HASH  name`, SHA256SUMS). Pure. */
import { posix } from 'node:path';

export type Algo = 'sha256' | 'sha512';

export type ChecksumArg = { algo: Algo; hex: string } | { algo: Algo; url: string };

const HEX_LEN: Record<Algo, number> = { sha256: 64, sha512: 128 };

export function parseChecksumArg(v: string): ChecksumArg {
  const i = v.indexOf(':');
  const algo = v.slice(0, i) as Algo;
  const rest = v.slice(i + 1);
  if (/^https?:\/\//.test(rest)) return { algo, url: rest };
  if (rest.length !== HEX_LEN[algo]) throw new Error(`${algo} checksum must be ${HEX_LEN[algo]} hex digits, got ${rest.length}`);
  return { algo, hex: rest.toLowerCase() };
}

/** The hash for fileName in a checksum file; a file with one bare hash applies to any name. */
export function hashFromChecksumFile(text: string, algo: Algo, fileName: string): string {
  const re = new RegExp(`^([0-9a-fA-F]{${HEX_LEN[algo]}})(?:\\s+\\*?(.+))?$`);
  const found: { hex: string; name?: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = re.exec(line.trim());
    if (m) found.push({ hex: m[1]!.toLowerCase(), ...(m[2] ? { name: m[2].trim() } : {}) });
  }
  const named = found.find((f) => f.name !== undefined && (f.name === fileName || posix.basename(f.name.replace(/^\.\//, '')) === fileName));
  if (named) return named.hex;
  if (found.length === 1 && found[0]!.name === undefined) return found[0]!.hex;
  if (found.length === 1 && found[0]!.name !== undefined) throw new Error(`checksum file lists ${found[0]!.name}, not ${fileName}`);
  throw new Error(found.length === 0 ? `no ${algo} hash in the checksum file` : `no line for ${fileName} in the checksum file`);
}

/** The file name a URL names (its last path segment). */
export function urlFileName(url: string): string {
  const name = decodeURIComponent(posix.basename(new URL(url).pathname));
  if (!name || name === '/') throw new Error(`cannot take a file name from ${url}; give dest as a file path`);
  return name;
}
