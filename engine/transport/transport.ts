/**
 * How the engine talks to one host. Implementations: local.ts (this machine, child_process) and
 * ssh.ts (ssh2, one connection per host for the whole run). Modules never see a connection:
 * read() gets a ReadContext whose read-only queries go through this interface, and the executor
 * applies a plan's ops with it.
 */
import type { Readable } from 'node:stream';

export interface BecomeSpec {
  method: 'sudo' | 'su';
  user: string; // default root
  /** Sent on stdin, never in argv, logs or output. */
  password?: string;
}

export interface ExecOptions {
  /** Streamed to the command's stdin. */
  stdin?: string | Buffer | Readable;
  env?: Record<string, string>;
  cwd?: string;
  become?: BecomeSpec;
  /** Kill the command after this long; the result then has rc null and timedOut. */
  timeoutMs?: number;
  /** Cap on captured stdout and stderr each (bytes); default 16 MiB. */
  maxOutput?: number;
  /**
   * Run in a process session of its own (over SSH: its own session channel), never in the host's
   * resident shell. For user-written commands, which may leave background processes holding their
   * output or signal their process group.
   */
  isolate?: boolean;
}

export interface ExecResult {
  rc: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  truncated?: boolean;
  timedOut?: boolean;
  /** sudo or su refused the become password: the command never ran (the message says so). */
  becomeRefused?: string;
}

export interface PutOptions {
  /** Octal string such as '0644'. Applied before the rename, so the file never appears with wrong mode. */
  mode?: string;
  owner?: string;
  group?: string;
  become?: BecomeSpec;
}

export interface Transport {
  /** The inventory name, for messages. */
  readonly host: string;
  readonly kind: 'local' | 'ssh';
  connect(): Promise<void>;
  /**
   * Run a command. A string is a POSIX sh script (`sh -c`); an array is an argv that the transport
   * quotes with quote.ts. Never throws for a non-zero exit: that is data in ExecResult.
   * Throws TransportError only when the host cannot be reached.
   */
  exec(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Write a file atomically: a temp file beside `path`, mode/owner applied, then rename. */
  put(path: string, content: string | Buffer, opts?: PutOptions): Promise<void>;
  /** Upload a local file (streamed, for big artifacts), atomically like put. */
  putFile(localPath: string, path: string, opts?: PutOptions): Promise<void>;
  /** Read a remote file; undefined when it does not exist. */
  fetch(path: string, opts?: { become?: BecomeSpec }): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** The host could not be reached or the connection broke: the executor marks the host UNREACHABLE. */
export class TransportError extends Error {
  readonly host: string;
  constructor(host: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.host = host;
  }
}

/**
 * Optional capability: open a TCP stream that originates on the host (ssh2 forwardOut; a plain
 * socket for local). Lets uri and wait_for reach `127.0.0.1:6443` *as seen from the host* without
 * curl or Python there.
 */
export interface TcpCapable {
  connectTcp(host: string, port: number): Promise<import('node:stream').Duplex>;
}
