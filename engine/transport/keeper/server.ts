/**
 * The connection keeper: a background process that holds SSH connections open between runs, like
 * OpenSSH's ControlPersist (Ansible's default: 60 s). A run asks it over a unix socket for a host's
 * connection (keeper/client.ts); if the keeper already has one made with the same options, the
 * run skips the TCP and SSH handshakes, the authentication and sshd's fork on the host (~40 ms of
 * the host's CPU and ~14 ms of ours per host and run), and finds the resident shells started.
 *
 * It keeps connections and nothing else: a run executes in the kplay command's own process, with
 * its directory, environment and umask, and sends each host's commands and files here (why, in
 * numbers: docs/benchmarks.md "Where a run executes").
 *
 * It serves one user (its socket lives in a 0700 directory, keeper/locate.ts) and logs nothing.
 * A connection nobody used for its persist time is closed; the keeper exits when it holds none.
 * A client that goes away while its commands run takes the connection with it, as a run that held
 * the connection itself would: the host sees the same end of the session.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import type { ExecOptions, PutOptions } from '../transport.ts';
import type { RunStart } from '../stale-temps.ts';
import { encodeFrame, FrameReader, type Frame } from './frames.ts';
import { tryConnect } from './locate.ts';
import { ConnectionPool, type PoolEntry } from './pool.ts';
import { toWireError, type WireOptions } from './wire.ts';

export interface KeeperOptions {
  socketPath: string;
  /** How often idle connections are looked for (tests make it short). */
  sweepMs?: number;
  /** A liveness check of a kept connection before a run gets it. */
  probeTimeoutMs?: number;
  /** How long a keeper started ahead of its run (keeper/locate.ts prestartKeeper) waits for it. */
  firstClientWaitMs?: number;
  /** Close every connection and exit now (SIGTERM, tests). */
  signal?: AbortSignal;
}

/** Runs until the keeper holds no connection; resolves with the process's exit code. */
export async function runKeeper(o: KeeperOptions): Promise<number> {
  const pool = new ConnectionPool(o.probeTimeoutMs);
  const connections = new Set<Socket>();
  let clients = 0;
  const server = createServer((sock) => serve(sock));
  if (!(await listen(server, o.socketPath))) return 0; // another keeper answers on this socket
  chmodSync(o.socketPath, 0o600);
  writeFileSync(`${o.socketPath}.pid`, `${process.pid}\n`, { mode: 0o600 });

  // a run starts its keeper before loading its playbooks: give it time to come
  let idleSince = Date.now() + (o.firstClientWaitMs ?? 10_000) - (o.sweepMs ?? 1000);
  const done = new Promise<number>((resolve) => {
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      pool.closeAll();
      server.close();
      rmSync(`${o.socketPath}.pid`, { force: true });
      resolve(0);
    };
    o.signal?.addEventListener('abort', () => {
      for (const c of connections) c.destroy();
      stop();
    });
    const sweep = setInterval(() => {
      const now = Date.now();
      pool.sweep(now);
      if (pool.size === 0 && clients === 0) {
        if (now - idleSince >= (o.sweepMs ?? 1000)) stop();
      } else {
        idleSince = now;
      }
    }, o.sweepMs ?? 1000);
  });

  function serve(sock: Socket): void {
    clients++;
    connections.add(sock);
    const reader = new FrameReader();
    let entry: PoolEntry | undefined;
    let inFlight = 0;
    let raw = false;
    const reply = (id: unknown, header: object, body?: Buffer) => {
      if (!sock.destroyed) sock.write(encodeFrame({ id, ...header }, body));
    };
    sock.on('data', (chunk: Buffer) => {
      if (raw) return;
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) {
        inFlight++;
        void handle(f)
          .then((r) => {
            if (r) reply(f.header['id'], r.header, r.body);
          })
          .catch((err: unknown) => reply(f.header['id'], { error: toWireError(err) }))
          .finally(() => {
            inFlight--;
            if (entry) entry.lastUsed = Date.now();
          });
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clients--;
      connections.delete(sock);
      if (entry) pool.release(entry, inFlight > 0 && !raw);
    });

    /** The reply to one request; undefined when the request already answered (a TCP stream). */
    async function handle(f: Frame): Promise<{ header: object; body?: Buffer } | undefined> {
      const h = f.header;
      if (h['op'] === 'hello') {
        if (entry) throw new Error('hello twice');
        const b = await pool.bind(h['opts'] as WireOptions, Number(h['persistMs']) || 0);
        if (sock.destroyed) pool.release(b.entry, false);
        else entry = b.entry;
        return { header: { reused: b.reused } };
      }
      if (!entry) throw new Error(`${String(h['op'])} before hello`);
      const t = entry.transport;
      switch (h['op']) {
        case 'exec': {
          const opts = (h['opts'] ?? {}) as ExecOptions;
          if (h['stdin']) opts.stdin = f.body;
          return { header: { result: await t.exec(h['cmd'] as string | string[], opts) } };
        }
        case 'put':
          await t.put(h['path'] as string, f.body, (h['opts'] ?? {}) as PutOptions & RunStart);
          return { header: {} };
        case 'putFile':
          await t.putFile(h['localPath'] as string, h['path'] as string, (h['opts'] ?? {}) as PutOptions & RunStart);
          return { header: {} };
        case 'fetch': {
          const data = await t.fetch(h['path'] as string, (h['opts'] ?? {}) as { become?: never });
          return data ? { header: { found: true }, body: data } : { header: { found: false } };
        }
        case 'stats':
          return { header: { stats: t.stats } };
        case 'tcp': {
          const stream = await t.connectTcp(h['host'] as string, Number(h['port']));
          // from here on the socket is the TCP stream's two ends, no frames
          raw = true;
          sock.write(encodeFrame({ id: h['id'] }), () => {
            stream.pipe(sock);
            sock.pipe(stream);
          });
          stream.on('error', () => sock.destroy());
          sock.on('close', () => stream.destroy());
          return undefined;
        }
        default:
          throw new Error(`unknown op ${String(h['op'])}`);
      }
    }
  }

  return done;
}

/** Listens on the socket path; false when a live keeper already does. A stale socket file is replaced. */
async function listen(server: Server, path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(path, () => {
        server.removeListener('error', resolve);
        resolve(undefined);
      });
    });
    if (!err) return true;
    if (err.code !== 'EADDRINUSE') throw err;
    if (await answers(path)) return false;
    rmSync(path, { force: true });
  }
  return false;
}

async function answers(path: string): Promise<boolean> {
  const s = await tryConnect(path);
  s?.destroy();
  return s !== undefined;
}
