/**
 * SSH failures. All of them are TransportErrors, so the executor marks the host UNREACHABLE; each
 * also carries a stable KplayErrorCode and, where there is one, a hint saying how to fix it.
 */
import type { KplayErrorCode } from '../errors.ts';
import { TransportError } from './transport.ts';

export class SshTransportError extends TransportError {
  readonly code: KplayErrorCode = 'KPLAY_TRANSPORT';
  readonly hint?: string;
  constructor(host: string, message: string, options?: { cause?: unknown; hint?: string }) {
    // The hint is part of the message too: the executor reports a TransportError by its message.
    super(host, options?.hint ? `${message}\n  hint: ${options.hint}` : message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SshTransportError';
    if (options?.hint) this.hint = options.hint;
  }
}

/** TCP connect, handshake, timeout, lost connection. */
export class SshConnectError extends SshTransportError {}

/**
 * The server closed the connection before the SSH handshake finished (sshd's MaxStartups drops
 * connections beyond its unauthenticated limit, or a connection was reset): retried with backoff.
 */
export class SshHandshakeDropped extends SshConnectError {}

/** No credentials, unreadable or undecryptable key, all methods rejected. */
export class SshAuthError extends SshTransportError {}

/** Unknown, changed or revoked host key. */
export class HostKeyError extends SshTransportError {
  override readonly code: KplayErrorCode = 'KPLAY_HOST_KEY';
  constructor(host: string, message: string, options?: { hint?: string }) {
    super(host, message, options);
    this.name = 'HostKeyError';
  }
}
