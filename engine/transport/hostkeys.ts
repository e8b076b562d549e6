/**
 * known_hosts: parsing (plain, hashed `|1|salt|hash`, `[host]:port`, wildcards, negation, markers),
 * lookup, verification and recording of new keys. Pure functions over text plus two small file
 * helpers, so the decision logic is unit-testable without a server.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyChecking = 'strict' | 'accept-new' | false;

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  /** The raw first field: comma-separated patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** The key blob in SSH wire format. */
  key: Buffer;
  file: string;
  line: number;
}

export interface PresentedKey {
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'unknown' }
  | { kind: 'changed'; known: KnownHostEntry[] }
  | { kind: 'revoked'; entry: KnownHostEntry };

/** `host` for port 22, `[host]:port` otherwise: the name OpenSSH looks up and records. */
export function hostKeyName(address: string, port = 22): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** `SHA256:…` as OpenSSH prints it (base64 without padding). */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a wire-format key blob (first length-prefixed string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string, file = '<known_hosts>'): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    else if (fields[0]?.startsWith('@')) return; // an unknown marker: ignore the line like OpenSSH
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) return;
    entries.push({ ...(marker ? { marker } : {}), hosts, keyType, key, file, line: i + 1 });
  });
  return entries;
}

/** OpenSSH glob: `*` any run, `?` one character; case-insensitive like host names. */
function globMatch(pattern: string, name: string): boolean {
  // most entries are plain names: every host's lookup scans every entry, so skip the RegExp for them
  if (!/[*?]/.test(pattern)) return pattern.length === name.length && pattern.toLowerCase() === name.toLowerCase();
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && got.equals(want);
}

/** Does the hosts field of an entry name this host? Negated patterns win over positive ones. */
export function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let positive = false;
  for (const pat of field.split(',')) {
    if (pat.startsWith('!')) {
      if (globMatch(pat.slice(1), name)) return false;
    } else if (globMatch(pat, name)) {
      positive = true;
    }
  }
  return positive;
}

/** Hash a host name the way `ssh-keygen -H` does (used by tests and by callers who want it). */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

/** Host key algorithms that verify a known key of this type (rsa keys sign with sha2 too). */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}

export class KnownHosts {
  constructor(readonly entries: KnownHostEntry[]) {}

  static load(files: readonly string[]): KnownHosts {
    const entries: KnownHostEntry[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        continue;
      }
      entries.push(...parseKnownHosts(text, f));
    }
    return new KnownHosts(entries);
  }

  /**
   * Only what a check for these names can consult: their keys and every @revoked line. A connection
   * keeps its checker for re-keying, so the connection keeper would otherwise hold every host's
   * parse of the whole file: O(hosts²) memory (1 MB of file text alone at 100 hosts). The kept
   * strings and keys are copies, which pin neither the file's text nor a shared Buffer pool slab.
   */
  about(names: readonly string[]): KnownHosts {
    const relevant = this.entries.filter((e) => e.marker === '@revoked' || (!e.marker && names.some((n) => hostsFieldMatches(e.hosts, n))));
    return new KnownHosts(
      relevant.map((e) => {
        const key = Buffer.alloc(e.key.length); // alloc, unlike from/concat, never takes a pool slab
        e.key.copy(key);
        return { ...e, hosts: unpinned(e.hosts), key };
      }),
    );
  }

  /** Entries for this host (any of the names), revoked and CA lines excluded. */
  keysFor(names: readonly string[]): KnownHostEntry[] {
    return this.entries.filter((e) => !e.marker && names.some((n) => hostsFieldMatches(e.hosts, n)));
  }

  /** Key types known for this host, to offer them first during key exchange. */
  keyTypesFor(names: readonly string[]): string[] {
    return [...new Set(this.keysFor(names).map((e) => e.keyType))];
  }

  verify(names: readonly string[], presented: PresentedKey): HostKeyVerdict {
    const revoked = this.entries.find((e) => e.marker === '@revoked' && e.key.equals(presented.key));
    if (revoked) return { kind: 'revoked', entry: revoked };
    const known = this.keysFor(names);
    const match = known.find((e) => e.keyType === presented.keyType && e.key.equals(presented.key));
    if (match) return { kind: 'match', entry: match };
    // OpenSSH calls a key of another type for a known host "changed" only when the type matches;
    // we offer only the known types during key exchange, so any mismatch here is a real change.
    if (known.length > 0) return { kind: 'changed', known };
    return { kind: 'unknown' };
  }
}

/** A flat copy of a string that may be a slice of a much larger one (V8 keeps the whole parent alive). */
function unpinned(s: string): string {
  return (' ' + s).slice(1);
}

/** The first file we can write to (existing and writable, or creatable in a writable directory). */
export function firstWritable(files: readonly string[]): string | undefined {
  for (const f of files) {
    try {
      if (existsSync(f)) {
        accessSync(f, constants.W_OK);
        return f;
      }
      const dir = dirname(f);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
      return f;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Append `name keytype base64` to a known_hosts file, starting a new line if needed. */
export function recordHostKey(file: string, name: string, presented: PresentedKey): void {
  const line = `${name} ${presented.keyType} ${presented.key.toString('base64')}\n`;
  // O_APPEND, never truncate: other kplay processes may be recording keys in the same file.
  const fd = openSync(file, 'a', 0o644);
  try {
    const size = fstatSync(fd).size;
    let needsNewline = false;
    if (size > 0) {
      const last = Buffer.alloc(1);
      const rfd = openSync(file, 'r');
      try {
        readSync(rfd, last, 0, 1, size - 1);
      } finally {
        closeSync(rfd);
      }
      needsNewline = last[0] !== 0x0a;
    }
    writeSync(fd, needsNewline ? `\n${line}` : line);
  } finally {
    closeSync(fd);
  }
}
