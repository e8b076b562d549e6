/**
 * A host's transport through the connection keeper (keeper/server.ts): the same Transport as
 * SshTransport, each call a request over the keeper's unix socket. When no keeper can be reached
 * or started, or the host's key needs a passphrase typed on this terminal, it connects directly
 * (an SshTransport in this process), so keeping connections is never a reason for a run to fail.
 */
import type { Socket } from 'node:net';
import { Duplex, type Readable } from 'node:stream';
import { SshTransport, type SshOptions } from '../ssh.ts';
import { TransportError, type BecomeSpec, type ExecOptions, type ExecResult, type PutOptions, type TcpCapable, type Transport } from '../transport.ts';
import { runStartOf, type RunStart } from '../stale-temps.ts';
import { encodeFrame, FrameReader, type Frame } from './frames.ts';
import { connectKeeper, keeperSocket } from './locate.ts';
import { fromWireError, toWire, type WireError, type WireOptions } from './wire.ts';

type Pending = { resolve: (f: Frame) => void; reject: (e: Error) => void };

interface Session {
  sock: Socket;
  pending: Map<number, Pending>;
  lost?: Error;
  /** The request after whose reply the socket carries a raw TCP stream. */
  rawAfter?: number;
  /** That stream, from the first byte after the reply. */
  raw?: Duplex;
}

export class KeptTransport implements Transport, TcpCapable {
  readonly kind = 'ssh' as const;
  readonly host: string;
  /** Whether the last connect found the connection kept by an earlier run (tests, benchmarks). */
  reused = false;

  private readonly wire: WireOptions;
  private session: Promise<Session> | undefined;
  private direct: SshTransport | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    readonly opts: SshOptions,
    private readonly persistMs: number,
    private readonly socketPath = keeperSocket(),
  ) {
    this.host = opts.host;
    this.wire = toWire(opts);
  }

  async connect(): Promise<void> {
    await this.ready();
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    if (s) {
      const sess = await s.catch(() => undefined);
      if (sess && sess !== DIRECT) sess.sock.end();
    }
    await this.direct?.close();
  }

  async exec(cmd: string | string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (await this.viaDirect()) return this.direct!.exec(cmd, opts);
    const { stdin, ...rest } = opts;
    const body = stdin === undefined ? undefined : await bytesOf(stdin);
    const f = await this.request({ op: 'exec', cmd, opts: rest, stdin: body !== undefined }, body);
    return f.header['result'] as ExecResult;
  }

  async put(path: string, content: string | Buffer, opts: PutOptions = {}): Promise<void> {
    if (await this.viaDirect()) return this.direct!.put(path, content, opts);
    await this.request({ op: 'put', path, opts: this.withRunStart(opts) }, Buffer.isBuffer(content) ? content : Buffer.from(content));
  }

  async putFile(localPath: string, path: string, opts: PutOptions = {}): Promise<void> {
    if (await this.viaDirect()) return this.direct!.putFile(localPath, path, opts);
    // same machine, same user: the keeper reads the file itself
    await this.request({ op: 'putFile', localPath, path, opts: this.withRunStart(opts) });
  }

  async fetch(path: string, opts: { become?: BecomeSpec } = {}): Promise<Buffer | undefined> {
    if (await this.viaDirect()) return this.direct!.fetch(path, opts);
    const f = await this.request({ op: 'fetch', path, opts });
    return f.header['found'] ? f.body : undefined;
  }

  async connectTcp(host: string, port: number): Promise<Duplex> {
    if (await this.viaDirect()) return this.direct!.connectTcp(host, port);
    // a socket of its own, which becomes the stream once the keeper has opened it
    const s = await this.open();
    if (s === DIRECT) return this.direct!.connectTcp(host, port);
    s.rawAfter = this.nextId;
    try {
      await this.call(s, { op: 'tcp', host, port });
    } catch (e) {
      s.sock.destroy();
      throw e;
    }
    s.sock.removeAllListeners('error');
    s.sock.removeAllListeners('close');
    return s.raw!;
  }

  /** The keeper's counters for this connection (connects, channels …), for tests and benchmarks. */
  async keeperStats(): Promise<Record<string, number> | undefined> {
    if (await this.viaDirect()) return undefined;
    return (await this.request({ op: 'stats' })).header['stats'] as Record<string, number>;
  }

  // ----------------------------------------------------------------------------------------

  /** The kept connection serves many runs: each upload says when its run started (stale-temps.ts). */
  private withRunStart(opts: PutOptions): PutOptions & RunStart {
    return { ...opts, runStartedAt: runStartOf(undefined, this.opts.scope?.startedAt) };
  }

  private async viaDirect(): Promise<boolean> {
    if (!this.direct) await this.ready();
    return this.direct !== undefined;
  }

  private async ready(): Promise<void> {
    if (this.closed) throw new TransportError(this.host, `${this.host}: transport is closed`);
    if (this.direct) return this.direct.connect();
    // one reconnect per loss, as SshTransport does: a keeper that died is started again
    if (!this.session) this.session = this.open();
    const s = await this.session.catch((e: unknown) => {
      this.session = undefined;
      throw e;
    });
    if (s === DIRECT) return this.ready();
  }

  private async request(header: Record<string, unknown>, body?: Buffer): Promise<Frame> {
    await this.ready();
    const s = await this.session!;
    if (s.lost) {
      this.session = undefined;
      return this.request(header, body);
    }
    return this.call(s, header, body);
  }

  private call(s: Session, header: Record<string, unknown>, body?: Buffer): Promise<Frame> {
    const id = this.nextId++;
    return new Promise<Frame>((resolve, reject) => {
      if (s.lost) return reject(s.lost);
      s.pending.set(id, { resolve, reject });
      s.sock.write(encodeFrame({ ...header, id }, body));
    }).then((f) => {
      const err = f.header['error'] as WireError | undefined;
      if (err) throw fromWireError(this.host, err);
      return f;
    });
  }

  /** A socket to the keeper with this host bound to it; DIRECT when this run connects itself. */
  private async open(): Promise<Session> {
    const sock = this.socketPath ? await connectKeeper(this.socketPath) : undefined;
    if (!sock) return this.goDirect();
    const s: Session = { sock, pending: new Map() };
    const reader = new FrameReader();
    const onData = (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        const id = f.header['id'] as number;
        const p = s.pending.get(id);
        s.pending.delete(id);
        if (id === s.rawAfter) {
          // what came with the reply are the stream's first bytes
          sock.removeListener('data', onData);
          s.raw = rawStream(sock, reader.rest());
        }
        p?.resolve(f);
      }
    };
    sock.on('data', onData);
    const lose = () => {
      s.lost ??= new TransportError(this.host, `${this.host}: the connection keeper went away`);
      for (const p of s.pending.values()) p.reject(s.lost);
      s.pending.clear();
    };
    sock.on('error', lose);
    sock.on('close', lose);
    try {
      const f = await this.call(s, { op: 'hello', opts: this.wire, persistMs: this.persistMs });
      this.reused = f.header['reused'] === true;
      return s;
    } catch (e) {
      sock.destroy();
      // a key that needs a passphrase typed here: only this process can ask for it
      if (this.opts.passphrasePrompt && /passphrase/i.test((e as Error).message)) return this.goDirect();
      throw e;
    }
  }

  private goDirect(): Session {
    this.direct = new SshTransport(this.opts);
    return DIRECT;
  }
}

/** Marks "no keeper: this.direct carries the calls". */
const DIRECT = {} as Session;

/** The socket as the TCP stream it now carries, starting with bytes that came with the reply. */
function rawStream(sock: Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read: () => void sock.resume(),
    write: (chunk: Buffer, _enc, cb) => void sock.write(chunk, cb),
    final: (cb) => void sock.end(cb),
    destroy: (err, cb) => {
      sock.destroy();
      cb(err);
    },
  });
  if (first.length) d.push(first);
  sock.on('data', (c: Buffer) => {
    if (!d.push(c)) sock.pause();
  });
  sock.on('end', () => d.push(null));
  sock.on('error', (e) => d.destroy(e));
  return d;
}

async function bytesOf(stdin: string | Buffer | Readable): Promise<Buffer> {
  if (typeof stdin === 'string') return Buffer.from(stdin);
  if (Buffer.isBuffer(stdin)) return stdin;
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}
