/** uri and wait_for against loopback servers started by the test (http, https with mutual TLS). */
import { expect } from 'chai';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { testCert } from '../../../support/certs.ts';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { uri } from '../../../../modules/system/uri.ts';
import { wait_for } from '../../../../modules/system/wait-for.ts';

const t = new LocalTransport('localhost');

const cert = testCert;

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

describe('uri and wait_for on localhost', function () {
  this.timeout(60_000);
  let dir: string;
  let http: Server;
  let https: Server;
  let httpPort: number;
  let httpsPort: number;
  const seen: { method?: string; body?: string; auth?: string; ctype?: string }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-uri-'));
    const ca = cert('kplay test CA');
    const server = cert('server', ca, '127.0.0.1');
    const client = cert('admin', ca);
    writeFileSync(`${dir}/ca.crt`, ca.certPem);
    writeFileSync(`${dir}/admin.crt`, client.certPem);
    writeFileSync(`${dir}/admin.key`, client.keyPem);
    http = createHttp((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, body, auth: req.headers.authorization, ctype: req.headers['content-type'] });
        if (req.url === '/redirect') {
          res.writeHead(302, { location: '/json' });
          res.end();
        } else if (req.url === '/json') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"a":[1,2]}');
        } else if (req.url === '/created') {
          res.writeHead(201);
          res.end('made');
        } else {
          res.writeHead(404);
          res.end('nope');
        }
      });
    });
    https = createHttps({ key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${peer.subject?.CN}`);
    });
    httpPort = await listen(http);
    httpsPort = await listen(https);
  });
  after(() => {
    http?.close();
    https?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET: json parsed, redirect followed, no change, runs in check mode', async () => {
    const r = await runModuleOn(t, uri, { url: `http://127.0.0.1:${httpPort}/redirect` }, { check: true });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changed).to.equal(false);
    expect(r.result).to.deep.include({ status: 200, json: { a: [1, 2] }, redirected: true, content_type: 'application/json' });
    expect(r.result.url).to.equal(`http://127.0.0.1:${httpPort}/json`);
  });

  it('status_code decides failure, and the status is still registered', async () => {
    const r = await runModuleOn(t, uri, { url: `http://127.0.0.1:${httpPort}/missing`, return_content: true });
    expect(r.failed).to.equal(true);
    expect(r.result).to.deep.include({ status: 404, content: 'nope' });
    expect((await runModuleOn(t, uri, { url: `http://127.0.0.1:${httpPort}/missing`, status_code: [200, 404] })).failed).to.equal(false);
  });

  it('POST with a JSON body and basic auth is a change; the password is not in the outcome', async () => {
    const r = await runModuleOn(t, uri, { url: `http://127.0.0.1:${httpPort}/created`, method: 'POST', body: { k: 'v' }, body_format: 'json', status_code: 201, url_username: 'u', url_password: 's3cret', return_content: true });
    expect(r).to.deep.include({ changed: true, failed: false });
    expect(r.result).to.deep.include({ status: 201, content: 'made' });
    const last = seen[seen.length - 1]!;
    expect(last).to.deep.equal({ method: 'POST', body: '{"k":"v"}', auth: `Basic ${Buffer.from('u:s3cret').toString('base64')}`, ctype: 'application/json' });
    expect(JSON.stringify(r)).to.not.contain('s3cret');
  });

  it('https with mutual TLS from files on the host; a wrong CA fails', async () => {
    const ok = await runModuleOn(t, uri, { url: `https://127.0.0.1:${httpsPort}/healthz`, ca_path: `${dir}/ca.crt`, client_cert: `${dir}/admin.crt`, client_key: `${dir}/admin.key`, return_content: true });
    expect(ok.failed, ok.msg).to.equal(false);
    expect(ok.result.content).to.equal('ok admin');
    const noCa = await runModuleOn(t, uri, { url: `https://127.0.0.1:${httpsPort}/healthz`, client_cert: `${dir}/admin.crt`, client_key: `${dir}/admin.key` });
    expect(noCa.failed).to.equal(true);
    expect(noCa.msg).to.match(/certificate/i);
    const insecure = await runModuleOn(t, uri, { url: `https://127.0.0.1:${httpsPort}/`, validate_certs: false, client_cert: `${dir}/admin.crt`, client_key: `${dir}/admin.key` });
    expect(insecure.failed, insecure.msg).to.equal(false);
    expect(JSON.stringify([ok, noCa, insecure])).to.not.contain('PRIVATE KEY');
  });

  it('wait_for: port up, port down, path with regex, ledger path in check mode', async () => {
    expect((await runModuleOn(t, wait_for, { port: httpPort, timeout: 5 })).failed).to.equal(false);
    const s = createHttp();
    const closedPort = await listen(s);
    await new Promise((r) => s.close(r));
    const down = await runModuleOn(t, wait_for, { port: closedPort, timeout: 0.5, sleep: 0.1, msg: 'never up' });
    expect(down).to.include({ failed: true, msg: 'never up', changed: false });
    expect((await runModuleOn(t, wait_for, { port: closedPort, state: 'stopped', timeout: 2 })).failed).to.equal(false);
    writeFileSync(`${dir}/log`, 'starting\nready on 8080\n');
    const m = await runModuleOn(t, wait_for, { path: `${dir}/log`, search_regex: 'ready on (\\d+)', timeout: 2 });
    expect(m.result.match_groups).to.deep.equal(['8080']);
    expect((await runModuleOn(t, wait_for, { path: `${dir}/absent`, state: 'absent', timeout: 2 })).failed).to.equal(false);
    const ledger = new HostLedger();
    ledger.record({ kind: 'path', path: `${dir}/later`, state: 'file' }, 'write later');
    const planned = await runModuleOn(t, wait_for, { path: `${dir}/later`, timeout: 0 }, { check: true, ledger });
    expect(planned).to.deep.include({ failed: false, changed: false });
    expect(planned.result.after).to.equal('write later');
  });
});
