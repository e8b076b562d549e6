/** What an SSH connection is opened with (ssh.ts), and the transport's fixed limits and timings. */
import type { PassphrasePrompt } from './ssh-auth.ts';
import type { HostKeyChecking } from './host-key-checker.ts';
import type { RunScope } from '../util/run-scope.ts';


export interface SshOptions {
  /** Inventory name, for messages. */
  host: string;
  /** ansible_host */
  address: string;
  port?: number;
  user?: string;
  privateKeyPath?: string;
  privateKey?: Buffer | string;
  passphrase?: string;
  /** Asked when a key is encrypted and KPLAY_SSH_PASSPHRASE does not decrypt it. */
  passphrasePrompt?: PassphrasePrompt;
  password?: string;
  /** ssh-agent socket; default process.env.SSH_AUTH_SOCK; false: no agent. */
  agent?: string | false;
  /** Default ~/.ssh/known_hosts; the CLI puts <inventoryDir>/known_hosts first. */
  knownHostsFiles?: string[];
  hostKeyChecking?: HostKeyChecking;
  connectTimeoutMs?: number;
  /** Default timeout of every command (ExecOptions.timeoutMs wins). */
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Session channels in flight on the connection; default 8 (below sshd's MaxSessions 10, one is SFTP). */
  maxChannels?: number;
  /** ProxyJump: reach this host through a forwarded TCP stream of the jump host. */
  jump?: SshOptions;
  /** TCP_NODELAY on our socket (default true); false only to measure what Nagle costs. */
  tcpNoDelay?: boolean;
  /**
   * Run kplay's own scripts in one resident shell per become user (resident-shell.ts) instead of a
   * channel each (default true). Commands with stdin, `isolate` or a become that needs a pty always
   * get a channel.
   */
  residentShell?: boolean;
  /**
   * The run this connection serves: keys decrypted once for all its hosts, and its start (temp files
   * of uploads older than that are a killed run's, stale-temps.ts). Never crosses the keeper's socket.
   */
  scope?: RunScope;
}

export const SSH_DEFAULTS = {
  port: 22,
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  maxChannels: 8,
  maxOutput: 16 * 1024 * 1024,
  /** After a timeout kill, how long we wait for the channel to close before giving up on it. */
  killGraceMs: 5_000,
  /** A resident shell that fails to start this often (per become user) is not tried again. */
  residentShellStarts: 3,
  /**
   * How long a command keeps asking for a session channel that sshd refuses (MaxSessions reached,
   * or sessions closed a moment ago still counted), with backoff, before it fails naming MaxSessions.
   */
  channelRefusedMs: 30_000,
  /**
   * A handshake the server drops (MaxStartups throttling, a reset) is tried again this many times,
   * after 0.2, 0.4, 0.8, 1.6, 3.2 s (each plus up to as much again at random, so that many hosts
   * behind one sshd do not come back in step), before the host is UNREACHABLE.
   */
  handshakeRetries: 5,
  handshakeBackoffMs: 200,
};

/** Counters for tests and benchmarks, shared by the parts of one transport. */
export interface SshStats {
  connects: number;
  reconnects: number;
  channels: number;
  connectMs: number;
  shellCommands: number;
  handshakeRetries: number;
}
