/** The lab's artifact server: serves bench/workload/artifact/ on the lab's controller address only. */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ArtifactServer {
  url: string;
  checksum: string;
  close(): Promise<void>;
}

export async function serveArtifact(address: string, file: string): Promise<ArtifactServer> {
  // never any other address: the hosts reach the controller only on the lab's 198.18.K.254
  if (!/^198\.1[89]\.\d+\.\d+$/.test(address)) throw new Error(`artifact server refuses to bind ${address}: not a lab address`);
  const body = readFileSync(file);
  const server: Server = createServer((req, res) => {
    if (req.url === '/bench-tool') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/bench-tool`,
    checksum: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
