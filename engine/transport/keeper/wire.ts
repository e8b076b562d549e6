/**
 * What crosses the keeper's socket besides bytes: a host's SSH options (without functions, with
 * what this process's environment would have decided made explicit), the key under which the
 * keeper shares a connection, and errors.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SshOptions } from '../ssh.ts';
import { TransportError } from '../transport.ts';

/**
 * SshOptions as JSON: no prompt callback, no run (the keeper's connections outlive runs), a key's
 * bytes as base64, the agent and passphrase resolved here.
 */
export interface WireOptions extends Omit<SshOptions, 'passphrasePrompt' | 'privateKey' | 'jump' | 'scope'> {
  privateKeyBase64?: string;
  jump?: WireOptions;
}

export function toWire(o: SshOptions, env: NodeJS.ProcessEnv = process.env): WireOptions {
  const { passphrasePrompt: _prompt, scope: _scope, privateKey, jump, ...rest } = o;
  const w: WireOptions = { ...rest };
  if (privateKey !== undefined) w.privateKeyBase64 = Buffer.from(privateKey).toString('base64');
  // the keeper was started by another run, with another environment: decide here, as a direct connection would
  if (w.agent === undefined) w.agent = env['SSH_AUTH_SOCK'] || false;
  if (w.passphrase === undefined && env['KPLAY_SSH_PASSPHRASE']) w.passphrase = env['KPLAY_SSH_PASSPHRASE'];
  if (!w.knownHostsFiles) w.knownHostsFiles = [join(homedir(), '.ssh', 'known_hosts')];
  if (jump) w.jump = toWire(jump, env);
  return w;
}

export function fromWire(w: WireOptions): SshOptions {
  const { privateKeyBase64, jump, ...rest } = w;
  const o: SshOptions = { ...rest };
  if (privateKeyBase64 !== undefined) o.privateKey = Buffer.from(privateKeyBase64, 'base64');
  if (jump) o.jump = fromWire(jump);
  return o;
}

/**
 * Two runs share a connection only when everything that made it is the same: every option
 * (credentials included, hashed, never stored) and the known_hosts files as they are now: a host
 * rebuilt at the same address comes with a new known_hosts entry, and must not be served by the old
 * connection.
 */
export function connectionKey(w: WireOptions): string {
  const h = createHash('sha256');
  const walk = (o: WireOptions) => {
    h.update(JSON.stringify(Object.entries(o).filter(([k]) => k !== 'jump').sort(([a], [b]) => (a < b ? -1 : 1))));
    for (const f of o.knownHostsFiles ?? []) {
      try {
        const s = statSync(f);
        h.update(`\0${f}\0${s.size}\0${s.mtimeMs}`);
      } catch {
        h.update(`\0${f}\0-`);
      }
    }
    if (o.jump) walk(o.jump);
  };
  walk(w);
  return h.digest('hex');
}

export interface WireError {
  message: string;
  /** The host could not be reached: a TransportError on the other side too. */
  transport: boolean;
}

export function toWireError(e: unknown): WireError {
  return { message: e instanceof Error ? e.message : String(e), transport: e instanceof TransportError };
}

export function fromWireError(host: string, e: WireError): Error {
  return e.transport ? new TransportError(host, e.message) : new Error(e.message);
}
