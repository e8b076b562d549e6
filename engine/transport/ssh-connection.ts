/**
 * The SSH connection of one host: TCP (or a stream forwarded by a jump host), the handshake with
 * host key checking and authentication, retries of a handshake the server drops, and one
 * reconnect after a loss. Commands (ssh-commands.ts) and files (ssh-files.ts) ask it for the
 * ssh2 client with ready().
 *
 * We hand ssh2 our own socket with TCP_NODELAY: ssh2 leaves Nagle on, and with delayed ACKs each
 * small round trip then waits ~40 ms (bench/ssh-transport.ts --lab: 48 → 5.7 ms per command over a channel).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Client, ConnectConfig } from 'ssh2';
import { ssh2 } from './ssh2-lib.ts';
import { TransportError } from './transport.ts';
import { authMethods, KeyError, toSsh2AuthHandler } from './ssh-auth.ts';
import { HostKeyChecker } from './host-key-checker.ts';
import { acquireJump, type JumpConnection, type JumpLease } from './jump.ts';
import { SshAuthError, SshConnectError, SshHandshakeDropped } from './ssh-errors.ts';
import { SSH_DEFAULTS, type SshOptions, type SshStats } from './ssh-options.ts';

type ConnState = 'idle' | 'ready' | 'lost' | 'dead';

export interface ConnectionHooks {
  /** Opens the connection to a jump host (ssh.ts passes its SshTransport). */
  openJump(opts: SshOptions): JumpConnection;
  /** The connection is gone (lost or closed): the sessions that lived on it are forgotten. */
  onDrop(): void;
}

export class SshConnection {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private state: ConnState = 'idle';
  private deadError: TransportError | undefined;
  private jumpLease: JumpLease | undefined;
  private closed = false;

  constructor(
    private readonly opts: SshOptions,
    readonly host: string,
    readonly user: string,
    readonly port: number,
    private readonly stats: SshStats,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Whether client is still this host's connection (not one lost meanwhile). */
  isCurrent(client: Client): boolean {
    return this.client === client;
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /**
   * After a failed connect the transport stays dead (every call fails fast). A caller that knows
   * the host comes back (reboot, wait_for_connection) calls reset() to allow a fresh attempt.
   */
  reset(): void {
    if (this.state === 'dead') {
      this.state = 'idle';
      this.deadError = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    this.hooks.onDrop();
    if (c) await endClient(c);
    this.jumpLease?.release();
    this.jumpLease = undefined;
  }

  async connectTcp(host: string, port: number): Promise<Duplex> {
    const client = await this.ready();
    return new Promise((resolve, reject) => {
      try {
        client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
          if (err) reject(new Error(`${this.host}: cannot open ${host}:${port} from the host: ${err.message}`));
          else resolve(stream);
        });
      } catch (e) {
        reject(this.lostError(e));
      }
    });
  }

  ready(): Promise<Client> {
    if (this.closed) return Promise.reject(new TransportError(this.host, `${this.host}: transport is closed`));
    if (this.state === 'ready' && this.client) return Promise.resolve(this.client);
    if (this.state === 'dead') return Promise.reject(this.deadError!);
    if (!this.connecting) {
      const reconnecting = this.state === 'lost';
      this.connecting = this.open()
        .then((client) => {
          if (this.closed) {
            // close() was called while we were connecting: do not leave this connection behind
            void endClient(client);
            throw new SshConnectError(this.host, `${this.host}: transport closed while connecting`);
          }
          if (reconnecting) this.stats.reconnects++;
          this.client = client;
          this.state = 'ready';
          return client;
        })
        .catch((e: unknown) => {
          // One attempt per loss: a host that does not come back stays dead (fails fast) until reset().
          const err = e instanceof TransportError ? e : new TransportError(this.host, `${this.host}: ${String(e)}`, { cause: e });
          this.state = 'dead';
          this.deadError = err;
          // nobody may ever close() a transport whose connect failed: do not keep the jump host open for it
          this.jumpLease?.release();
          this.jumpLease = undefined;
          throw err;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const started = performance.now();
    const timeoutMs = this.opts.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs;
    let methods;
    try {
      methods = await authMethods(this.user, this.opts);
    } catch (e) {
      if (e instanceof KeyError) throw new SshAuthError(this.host, `${this.host}: ${e.message}`);
      throw e;
    }
    if (methods.length === 0) {
      throw new SshAuthError(
        this.host,
        `${this.host}: no SSH credentials: set ansible_ssh_private_key_file or ansible_password, or start an ssh-agent`,
      );
    }
    const checker = new HostKeyChecker({
      host: this.host,
      address: this.opts.address,
      port: this.port,
      files: this.opts.knownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')],
      mode: this.opts.hostKeyChecking ?? 'strict',
    });
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.handshake(methods, checker, timeoutMs, started);
      } catch (e) {
        if (!(e instanceof SshHandshakeDropped) || attempt >= SSH_DEFAULTS.handshakeRetries || this.closed) throw e;
        this.stats.handshakeRetries++;
        const base = SSH_DEFAULTS.handshakeBackoffMs * 2 ** attempt;
        await new Promise((r) => setTimeout(r, base + Math.random() * base));
      }
    }
  }

  private clientFor(sock: Duplex, methods: Awaited<ReturnType<typeof authMethods>>, checker: HostKeyChecker, timeoutMs: number): { client: Client; config: ConnectConfig } {
    const client = new (ssh2().Client)();
    const config: ConnectConfig = {
      sock,
      username: this.user,
      authHandler: toSsh2AuthHandler(methods),
      hostVerifier: (key: Buffer) => checker.check(key),
      readyTimeout: timeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs ?? SSH_DEFAULTS.keepaliveIntervalMs,
      keepaliveCountMax: SSH_DEFAULTS.keepaliveCountMax,
    };
    const hostKeyAlgos = checker.preferredAlgorithms();
    if (hostKeyAlgos) config.algorithms = { serverHostKey: hostKeyAlgos as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    return { client, config };
  }

  private async handshake(methods: Awaited<ReturnType<typeof authMethods>>, checker: HostKeyChecker, timeoutMs: number, started: number): Promise<Client> {
    const sock = await this.openSocket(timeoutMs);
    const { client, config } = this.clientFor(sock, methods, checker, timeoutMs);
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          client.removeAllListeners('ready');
          client.on('error', () => {});
          client.destroy();
          sock.destroy();
          reject(err);
          return;
        }
        this.stats.connects++;
        this.stats.connectMs = performance.now() - started;
        client.on('error', () => {}); // the 'close' that follows is what we act on
        client.on('close', () => this.onLost(client));
        resolve(client);
      };
      // ssh2's readyTimeout covers the handshake; this bound covers everything, auth included.
      const timer = setTimeout(
        () => finish(new SshConnectError(this.host, `${this.host}: SSH handshake with ${this.target()} timed out after ${timeoutMs} ms`)),
        timeoutMs + 1000,
      );
      client.once('ready', () => finish());
      client.once('error', (err: Error & { level?: string }) => {
        if (checker.failure) return finish(checker.failure);
        if (err.level === 'client-authentication') {
          return finish(
            new SshAuthError(
              this.host,
              `${this.host}: authentication as ${this.user}@${this.target()} failed (tried: ${methods.map((m) => m.label).join(', ')})`,
            ),
          );
        }
        const dropped = /before handshake|ECONNRESET|EPIPE/.test(err.message);
        finish(new (dropped ? SshHandshakeDropped : SshConnectError)(this.host, `${this.host}: SSH connection to ${this.target()} failed: ${err.message}`, { cause: err }));
      });
      client.once('close', () => finish(checker.failure ?? new SshHandshakeDropped(this.host, `${this.host}: ${this.target()} closed the connection during the handshake`)));
      try {
        client.connect(config);
      } catch (e) {
        finish(new SshConnectError(this.host, `${this.host}: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  target(): string {
    return `${this.opts.address}:${this.port}${this.opts.jump ? ` via ${this.opts.jump.address}:${this.opts.jump.port ?? 22}` : ''}`;
  }

  private async openSocket(timeoutMs: number): Promise<Duplex> {
    if (this.opts.jump) {
      if (!this.jumpLease) this.jumpLease = acquireJump(this.opts.jump, this.hooks.openJump);
      try {
        return await this.jumpLease.transport.connectTcp(this.opts.address, this.port);
      } catch (e) {
        throw new SshConnectError(this.host, `${this.host}: cannot reach ${this.target()}: ${(e as Error).message}`, { cause: e });
      }
    }
    return new Promise<Socket>((resolve, reject) => {
      const sock = netConnect({ host: this.opts.address, port: this.port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new SshConnectError(this.host, `${this.host}: TCP connect to ${this.target()} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.setNoDelay(this.opts.tcpNoDelay !== false);
        sock.removeAllListeners('error');
        coalesceWrites(sock);
        resolve(sock);
      });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new SshConnectError(this.host, `${this.host}: cannot connect to ${this.target()}: ${err.code ?? err.message}`, { cause: err }));
      });
    });
  }

  private onLost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.hooks.onDrop();
    // a new connection starts with the limit learned on this one, and without the sessions given up

    if (!this.closed && this.state === 'ready') this.state = 'lost';
  }

  lostError(cause: unknown): TransportError {
    return new SshConnectError(this.host, `${this.host}: connection to ${this.target()} lost`, { cause });
  }
}

function endClient(c: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      c.destroy();
      resolve();
    }, 2000);
    c.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    c.on('error', () => {});
    c.end();
  });
}

/**
 * ssh2 writes every SSH packet with its own socket write, and with TCP_NODELAY each becomes a
 * syscall and a TCP segment (the largest single cost in a profile of a no-op run on 10 hosts).
 * Corking on the first write of a tick and uncorking on the next gathers the packets of one tick
 * into one writev, still sent at once, so round trips stay as short as without Nagle.
 */
function coalesceWrites(sock: Socket): void {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  sock.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(() => {
        corked = false;
        sock.uncork();
      });
    }
    return write(...args);
  }) as Socket['write'];
}
