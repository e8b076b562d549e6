/**
 * The host key decision for one connection: known → accept; unknown → refuse (strict) or record
 * (accept-new); changed or revoked → ALWAYS refuse; `false` accepts anything and must be explicit.
 */
import { KnownHosts, algorithmsForKeyType, fingerprint, firstWritable, hostKeyName, keyTypeOf, recordHostKey, type HostKeyChecking } from './hostkeys.ts';
import { HostKeyError } from './ssh-errors.ts';

export type { HostKeyChecking } from './hostkeys.ts';

/** What ssh2 can verify, in its default order of preference. */
const SUPPORTED_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export interface HostKeyCheckerInit {
  host: string;
  address: string;
  port: number;
  files: string[];
  mode: HostKeyChecking;
}

export class HostKeyChecker {
  /** Set when check() refused: the connect error to report instead of ssh2's generic one. */
  failure: HostKeyError | undefined;
  /** Set when accept-new recorded the key. */
  recordedIn: string | undefined;
  private readonly known: KnownHosts;
  private readonly name: string;

  constructor(private readonly init: HostKeyCheckerInit) {
    this.name = hostKeyName(init.address, init.port);
    this.known = init.mode === false ? new KnownHosts([]) : KnownHosts.load(init.files).about([this.name]);
  }

  /** Known key types first (as OpenSSH orders them), so the server shows us the key we can check. */
  preferredAlgorithms(): string[] | undefined {
    const knownTypes = this.known.keyTypesFor([this.name]);
    if (knownTypes.length === 0) return undefined;
    const first = knownTypes.flatMap(algorithmsForKeyType).filter((a) => SUPPORTED_HOST_KEY_ALGORITHMS.includes(a));
    if (first.length === 0) return undefined;
    return [...first, ...SUPPORTED_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
  }

  check(key: Buffer): boolean {
    if (this.init.mode === false) return true;
    const presented = { keyType: keyTypeOf(key), key };
    const verdict = this.known.verify([this.name], presented);
    const fp = fingerprint(key);
    const { host } = this.init;
    switch (verdict.kind) {
      case 'match':
        return true;
      case 'revoked':
        this.failure = new HostKeyError(host, `${host}: the host key of ${this.name} (${presented.keyType} ${fp}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}`);
        return false;
      case 'changed': {
        const was = verdict.known.map((e) => `${e.keyType} ${fingerprint(e.key)} (${e.file}:${e.line})`).join(', ');
        this.failure = new HostKeyError(
          host,
          `${host}: HOST KEY CHANGED for ${this.name}: possible man-in-the-middle attack! ` +
            `The server offers ${presented.keyType} ${fp}; known_hosts has ${was}.`,
          { hint: `if the host was really reinstalled, remove the old entry (ssh-keygen -R '${this.name}' -f FILE) and connect again` },
        );
        return false;
      }
      case 'unknown': {
        if (this.init.mode === 'accept-new') {
          const file = firstWritable(this.init.files);
          if (!file) {
            this.failure = new HostKeyError(host, `${host}: cannot record the new host key of ${this.name}: no writable known_hosts file among ${this.init.files.join(', ')}`);
            return false;
          }
          recordHostKey(file, this.name, presented);
          this.recordedIn = file;
          return true;
        }
        this.failure = new HostKeyError(
          host,
          `${host}: unknown host key for ${this.name}: ${presented.keyType} ${fp} (not in ${this.init.files.join(', ')})`,
          {
            hint:
              `check the fingerprint, then set host_key_checking: accept-new (in kplay.yml; or KPLAY_HOST_KEY_CHECKING=accept-new, or ansible_host_key_checking per host) to record it, ` +
              `or add it with: ssh-keyscan -p ${this.init.port} ${this.init.address} >> ${this.init.files[0] ?? '~/.ssh/known_hosts'}`,
          },
        );
        return false;
      }
    }
  }
}
