/**
 * A local HTTP server for tests that serves a directory tree (an air-gapped mirror in Kubespray's
 * `files_repo` layout, say) and counts the requests per path, so a test can prove that an
 * artifact was fetched once. No test touches the internet: bind it on the lab's controller
 * address (`lab.controllerAddress`, which lab hosts reach) or on 127.0.0.1.
 *
 *   const server = await startArtifactServer({ root: dir, host: lab.controllerAddress });
 *   // files_repo: server.url  →  GET {server.url}/dl.k8s.io/release/v1.36.3/bin/linux/amd64/kubelet
 *   expect(server.count('/dl.k8s.io/release/v1.36.3/bin/linux/amd64/kubelet')).to.equal(1);
 *   after(() => server.close());
 *
 * GET and HEAD of a regular file under root answer 200 with Content-Length (HEAD is not counted);
 * anything else answers 404 (counted: a test sees what was asked for). Paths never leave root.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';

export interface ArtifactServer {
  /** `http://HOST:PORT`, without a trailing slash. */
  url: string;
  /** GET requests of one path (URL path, e.g. `/dl.k8s.io/…/kubelet`), 0 when never asked. */
  count(path: string): number;
  /** Every path asked for with GET, with its count. */
  counts(): Record<string, number>;
  /** Forget the counts (between steps of a test). */
  reset(): void;
  close(): Promise<void>;
}

export async function startArtifactServer(opts: { root: string; host?: string; port?: number }): Promise<ArtifactServer> {
  const root = resolve(opts.root);
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (req.method === 'GET') seen.set(path, (seen.get(path) ?? 0) + 1);
      const file = resolve(join(root, path));
      const st = (req.method === 'GET' || req.method === 'HEAD') && file.startsWith(root + sep) ? await stat(file).catch(() => undefined) : undefined;
      if (!st?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    })().catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    count: (path) => seen.get(path) ?? 0,
    counts: () => Object.fromEntries([...seen.entries()].sort()),
    reset: () => seen.clear(),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
