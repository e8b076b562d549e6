/** A tiny HTTP server for download tests: serves fixed artifacts, logs every request, can fail on demand. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArtifactServer {
  url(path: string): string;
  /** Paths requested, in order. */
  log: string[];
  /** Respond with this status the next n times a path is requested. */
  failNext(path: string, status: number, n: number): void;
  close(): Promise<void>;
}

export async function startArtifactServer(files: Record<string, Buffer | string>, host = '127.0.0.1'): Promise<ArtifactServer> {
  const log: string[] = [];
  const failures = new Map<string, { status: number; n: number }>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(path);
    const f = failures.get(path);
    if (f && f.n > 0) {
      f.n--;
      res.writeHead(f.status).end('failing on purpose');
      return;
    }
    if (path.startsWith('/redirect/')) {
      res.writeHead(302, { location: path.slice('/redirect'.length) }).end();
      return;
    }
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://${host}:${port}${path}`,
    log,
    failNext: (path, status, n) => failures.set(path, { status, n }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
