/** download on the controller (LocalTransport, temp dirs) against a local HTTP server with a request log. */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { download } from '../../../../modules/cluster/download/download.ts';
import { startArtifactServer, type ArtifactServer } from './artifact-server.ts';
import { buildArtifacts, sha256, sha512, type Artifacts } from './archives.ts';

describe('download module (controller cache and on_host, local)', function () {
  let srv: ArtifactServer;
  let art: Artifacts;
  let cacheDir: string;
  let root: string;
  const t = new LocalTransport('localhost');
  const run = (args: Record<string, unknown>, o: { check?: boolean } = {}) => runModuleOn(t, download, args, { cacheDir, ...o });

  before(async () => {
    art = buildArtifacts();
    srv = await startArtifactServer({
      '/bin/kubelet': art.binary,
      '/bin/kubelet.sha256': `${sha256(art.binary)}\n`,
      '/rel/SHA256SUMS': `${sha256('other')}  other.tar.gz\n${sha256(art.tgz)}  etcd-v3.5.0-linux-amd64.tar.gz\n`,
      '/rel/etcd-v3.5.0-linux-amd64.tar.gz': art.tgz,
      '/rel/etcd-v3.5.0-linux-amd64.tar.xz': art.txz,
      '/rel/etcd-v3.5.0-linux-amd64.zip': art.zip,
    });
  });
  after(() => srv?.close());
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kplay-cache-'));
    root = mkdtempSync(join(tmpdir(), 'kplay-dl-'));
    srv.log.length = 0;
  });

  it('check mode fetches nothing and writes nothing', async () => {
    const r = await run({ url: srv.url('/bin/kubelet'), dest: join(root, 'bin/kubelet'), checksum: `sha256:${sha256(art.binary)}` }, { check: true });
    expect(r.changed).to.equal(true);
    expect(r.changes.map((c) => c.summary).join('\n')).to.match(/download kubelet/);
    expect(srv.log).to.deep.equal([]);
    expect(existsSync(join(root, 'bin'))).to.equal(false);
  });

  it('fetches once into the cache, installs with mode, and fetches nothing the second time', async () => {
    const args = { url: srv.url('/bin/kubelet'), dest: join(root, 'bin/kubelet'), checksum: `sha256:${sha256(art.binary)}`, mode: '0755' };
    const r = await run(args);
    expect(r.failed, r.msg).to.equal(false);
    expect(readFileSync(args.dest).equals(art.binary)).to.equal(true);
    expect(statSync(args.dest).mode & 0o777).to.equal(0o755);
    const d = r.changes.find((c) => c.diff)!.diff!;
    expect(d).to.deep.include({ before: '(absent)', after: `sha256:${sha256(art.binary)}` });
    expect(srv.log).to.deep.equal(['/bin/kubelet']);
    const again = await run(args);
    expect(again.changed, JSON.stringify(again.changes)).to.equal(false);
    expect(srv.log).to.deep.equal(['/bin/kubelet']);
    expect(readdirSync(cacheDir)).to.deep.equal([`sha256-${sha256(art.binary)}`]);
  });

  it('fetches again when the cached file is damaged', async () => {
    const args = { url: srv.url('/bin/kubelet'), dest: join(root, 'k1'), checksum: `sha256:${sha256(art.binary)}` };
    expect((await run(args)).failed).to.equal(false);
    writeFileSync(join(cacheDir, `sha256-${sha256(art.binary)}`), 'damaged');
    const r = await run({ ...args, dest: join(root, 'k2') });
    expect(r.failed, r.msg).to.equal(false);
    expect(readFileSync(join(root, 'k2')).equals(art.binary)).to.equal(true);
    expect(srv.log).to.deep.equal(['/bin/kubelet', '/bin/kubelet']);
  });

  it('makes ONE request for three hosts', async () => {
    const hosts = [1, 2, 3].map((i) => new LocalTransport(`h${i}`));
    const rs = await Promise.all(
      hosts.map((h, i) => runModuleOn(h, download, { url: srv.url('/bin/kubelet'), dest: join(root, `h${i}`, 'kubelet'), checksum: `sha256:${sha256(art.binary)}` }, { cacheDir })),
    );
    expect(rs.map((r) => r.failed)).to.deep.equal([false, false, false]);
    expect(srv.log).to.deep.equal(['/bin/kubelet']);
    for (let i = 0; i < 3; i++) expect(readFileSync(join(root, `h${i}`, 'kubelet')).equals(art.binary)).to.equal(true);
  });

  it('fails cleanly on a wrong checksum: no dest file, no cache entry', async () => {
    const dest = join(root, 'kubelet');
    const r = await run({ url: srv.url('/bin/kubelet'), dest, checksum: `sha256:${sha256('something else')}` });
    expect(r.failed).to.equal(true);
    expect(r.msg).to.match(/checksum mismatch/);
    expect(existsSync(dest)).to.equal(false);
    expect(readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('reads the checksum from a checksum file URL (bare hash and SHA256SUMS), into a directory dest', async () => {
    const r = await run({ url: srv.url('/bin/kubelet'), dest: `${root}/`, checksum: `sha256:${srv.url('/bin/kubelet.sha256')}` });
    expect(r.failed, r.msg).to.equal(false);
    expect(readFileSync(join(root, 'kubelet')).equals(art.binary)).to.equal(true);
    const r2 = await run({ url: srv.url('/rel/etcd-v3.5.0-linux-amd64.tar.gz'), dest: root, checksum: `sha256:${srv.url('/rel/SHA256SUMS')}` });
    expect(r2.failed, r2.msg).to.equal(false);
    expect(existsSync(join(root, 'etcd-v3.5.0-linux-amd64.tar.gz'))).to.equal(true);
  });

  it('tries mirrors in order and retries a 5xx', async () => {
    srv.failNext('/bin/kubelet', 503, 1);
    const r = await run({ url: [srv.url('/missing/kubelet'), srv.url('/bin/kubelet')], dest: join(root, 'k'), checksum: `sha512:${sha512(art.binary)}`, retry_delay: 0 });
    expect(r.failed, r.msg).to.equal(false);
    expect(srv.log).to.deep.equal(['/missing/kubelet', '/bin/kubelet', '/bin/kubelet']);
  });

  it('goes through http_proxy from the environment, and not for no_proxy hosts', async () => {
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      seen.push(req.url ?? '');
      const up = httpRequest(req.url!, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy };
    process.env.http_proxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    process.env.no_proxy = '';
    try {
      const r = await run({ url: srv.url('/bin/kubelet'), dest: join(root, 'k'), checksum: `sha256:${sha256(art.binary)}` });
      expect(r.failed, r.msg).to.equal(false);
      expect(seen).to.deep.equal([srv.url('/bin/kubelet')]);
      process.env.no_proxy = 'localhost,127.0.0.1';
      cacheDir = mkdtempSync(join(tmpdir(), 'kplay-cache-'));
      const r2 = await run({ url: srv.url('/bin/kubelet'), dest: join(root, 'k2'), checksum: `sha256:${sha256(art.binary)}` });
      expect(r2.failed, r2.msg).to.equal(false);
      expect(seen).to.have.length(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('follows redirects', async () => {
    const r = await run({ url: srv.url('/redirect/bin/kubelet'), dest: join(root, 'k'), checksum: `sha256:${sha256(art.binary)}` });
    expect(r.failed, r.msg).to.equal(false);
    expect(srv.log).to.deep.equal(['/redirect/bin/kubelet', '/bin/kubelet']);
  });

  for (const ext of ['tar.gz', 'tar.xz'] as const) {
    it(`extracts a ${ext} with include and strip_components, and re-extracts only what is missing`, async () => {
      const body = ext === 'tar.gz' ? art.tgz : art.txz;
      const bin = join(root, 'usr/local/bin');
      const args = {
        url: srv.url(`/rel/etcd-v3.5.0-linux-amd64.${ext}`),
        dest: join(root, 'cache/'),
        checksum: `sha256:${sha256(body)}`,
        extract_to: bin,
        include: ['etcd-v3.5.0-linux-amd64/etcd', 'etcd-v3.5.0-linux-amd64/etcdctl'],
        strip_components: 1,
      };
      const r = await run(args);
      expect(r.failed, r.msg).to.equal(false);
      expect(readdirSync(bin).sort()).to.deep.equal(['etcd', 'etcdctl']);
      expect(statSync(join(bin, 'etcd')).mode & 0o111).to.not.equal(0);
      expect((await run(args)).changed).to.equal(false);
      rmSync(join(bin, 'etcdctl'));
      const again = await run(args);
      expect(again.changes.map((c) => c.summary)).to.deep.equal([`extract etcd-v3.5.0-linux-amd64.${ext} → ${bin} (2 members), strip 1 (missing ${join(bin, 'etcdctl')})`]);
      expect(existsSync(join(bin, 'etcdctl'))).to.equal(true);
      expect(srv.log).to.have.length(1);
    });
  }

  it('extracts a zip with unzip', async () => {
    const out = join(root, 'out');
    const r = await run({ url: srv.url('/rel/etcd-v3.5.0-linux-amd64.zip'), dest: join(root, 'a.zip'), checksum: `sha256:${sha256(art.zip)}`, extract_to: out, include: ['etcd-v3.5.0-linux-amd64/etcd'] });
    expect(r.failed, r.msg).to.equal(false);
    expect(existsSync(join(out, 'etcd-v3.5.0-linux-amd64/etcd'))).to.equal(true);
    const bad = await run({ url: srv.url('/rel/etcd-v3.5.0-linux-amd64.zip'), dest: join(root, 'a.zip'), checksum: `sha256:${sha256(art.zip)}`, extract_to: out, strip_components: 1 });
    expect(bad.failed).to.equal(true);
    expect(bad.msg).to.match(/not supported for zip/);
  });

  it('on_host: the host fetches with curl, verifies, and fetches nothing the second time', async () => {
    const args = { url: srv.url('/bin/kubelet'), dest: join(root, 'bin/kubelet'), checksum: `sha256:${sha256(art.binary)}`, mode: '0755', on_host: true };
    const r = await run(args);
    expect(r.failed, r.msg).to.equal(false);
    expect(readFileSync(args.dest).equals(art.binary)).to.equal(true);
    expect(statSync(args.dest).mode & 0o777).to.equal(0o755);
    expect(readdirSync(cacheDir)).to.deep.equal([]);
    expect((await run(args)).changed).to.equal(false);
    expect(srv.log).to.deep.equal(['/bin/kubelet']);
  });

  it('on_host: a wrong checksum fails and leaves no file', async () => {
    const dest = join(root, 'kubelet');
    const r = await run({ url: srv.url('/bin/kubelet'), dest, checksum: `sha256:${sha256('x')}`, on_host: true });
    expect(r.failed).to.equal(true);
    expect(r.msg).to.match(/checksum mismatch/);
    expect(readdirSync(root)).to.deep.equal([]);
  });
});
