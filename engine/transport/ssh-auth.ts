/**
 * Which authentication methods to offer, in order: the configured key (ed25519, ecdsa, rsa; an
 * encrypted one decrypted with KPLAY_SSH_PASSPHRASE or a prompt), then the ssh-agent, then the
 * default identity files, then a password. Keys are parsed here, before connecting, so a wrong
 * passphrase is reported as such and not as a vague "authentication failed".
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { ssh2 } from './ssh2-lib.ts';
import { runMemo, type RunScope } from '../util/run-scope.ts';

export type PassphrasePrompt = (keyLabel: string) => Promise<string | undefined>;

export interface AuthInput {
  privateKeyPath?: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  password?: string;
  agent?: string | false;
  passphrasePrompt?: PassphrasePrompt;
  /** The run whose hosts share decrypted keys; without one a key is parsed for this connection alone. */
  scope?: RunScope;
}

/** One entry of ssh2's authHandler array. */
export type AuthMethod =
  | { type: 'publickey'; username: string; key: ParsedKey; label: string }
  | { type: 'agent'; username: string; agent: string; label: string }
  | { type: 'password'; username: string; password: string; label: string };

export const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** A key problem that is the user's to fix (unreadable file, wrong passphrase): not retried. */
export class KeyError extends Error {}

function isEncryptedError(e: Error): boolean {
  return /encrypted|passphrase|bad decrypt/i.test(e.message);
}

/**
 * Parsed keys by content and given passphrase, for the whole run (and no longer: a decrypted key
 * stays with its run): decrypting an OpenSSH key runs bcrypt (seconds), and 100 hosts sharing one
 * key must not pay it 100 times or prompt 100 times.
 */
const PARSED_KEYS = runMemo('parsed keys', () => new Map<string, Promise<ParsedKey>>());

function parseKeyCached(data: Buffer, label: string, input: AuthInput): Promise<ParsedKey> {
  const parsedKeys = input.scope?.get(PARSED_KEYS) ?? new Map<string, Promise<ParsedKey>>();
  const id = `${createHash('sha256').update(data).digest('hex')}\0${input.passphrase ?? ''}`;
  let p = parsedKeys.get(id);
  if (!p) {
    p = parseKeyWithPassphrase(data, label, input);
    parsedKeys.set(id, p);
    p.catch(() => parsedKeys.delete(id));
  }
  return p;
}

async function parseKeyWithPassphrase(data: Buffer, label: string, input: AuthInput): Promise<ParsedKey> {
  const first = ssh2().utils.parseKey(data, input.passphrase);
  if (!(first instanceof Error)) return Array.isArray(first) ? first[0]! : first;
  if (!isEncryptedError(first)) throw new KeyError(`cannot parse private key ${label}: ${first.message}`);
  if (input.passphrase !== undefined) throw new KeyError(`cannot decrypt private key ${label}: wrong passphrase`);
  const candidates: (() => Promise<string | undefined>)[] = [
    async () => process.env['KPLAY_SSH_PASSPHRASE'],
    async () => input.passphrasePrompt?.(label),
  ];
  for (const next of candidates) {
    const pass = await next();
    if (pass === undefined) continue;
    const key = ssh2().utils.parseKey(data, pass);
    if (!(key instanceof Error)) return Array.isArray(key) ? key[0]! : key;
  }
  throw new KeyError(
    `private key ${label} is encrypted and no working passphrase was given ` +
      '(set KPLAY_SSH_PASSPHRASE, run with --ask-pass, or load the key into ssh-agent)',
  );
}

function readKeyFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new KeyError(`cannot read private key ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export async function authMethods(username: string, input: AuthInput): Promise<AuthMethod[]> {
  const methods: AuthMethod[] = [];
  if (input.privateKey !== undefined) {
    const data = Buffer.isBuffer(input.privateKey) ? input.privateKey : Buffer.from(input.privateKey);
    methods.push({ type: 'publickey', username, key: await parseKeyCached(data, '(inline key)', input), label: 'publickey (inline key)' });
  } else if (input.privateKeyPath) {
    const key = await parseKeyCached(readKeyFile(input.privateKeyPath), input.privateKeyPath, input);
    methods.push({ type: 'publickey', username, key, label: `publickey ${input.privateKeyPath}` });
  }
  const agent = input.agent === false ? undefined : (input.agent ?? process.env['SSH_AUTH_SOCK']);
  if (agent && existsSync(agent)) methods.push({ type: 'agent', username, agent, label: `agent ${agent}` });
  if (input.privateKey === undefined && !input.privateKeyPath) {
    for (const name of DEFAULT_IDENTITY_FILES) {
      const path = join(homedir(), '.ssh', name);
      if (!existsSync(path)) continue;
      // A default key we cannot decrypt is skipped, as OpenSSH does without a tty.
      try {
        methods.push({ type: 'publickey', username, key: await parseKeyCached(readKeyFile(path), path, input), label: `publickey ${path}` });
      } catch {
        continue;
      }
    }
  }
  if (input.password !== undefined) methods.push({ type: 'password', username, password: input.password, label: 'password' });
  return methods;
}

/** The array form that ssh2's authHandler takes (labels stripped). */
export function toSsh2AuthHandler(methods: AuthMethod[]): AnyAuthMethod[] {
  return methods.map((m): AnyAuthMethod => {
    if (m.type === 'publickey') return { type: 'publickey', username: m.username, key: m.key };
    if (m.type === 'agent') return { type: 'agent', username: m.username, agent: m.agent };
    return { type: 'password', username: m.username, password: m.password };
  });
}
