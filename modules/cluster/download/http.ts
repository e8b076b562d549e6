/**
 * Controller-side HTTP(S) GET with redirects, a timeout, and the proxy from the environment
 * (http_proxy / https_proxy / no_proxy, upper or lower case): plain HTTP goes to the proxy with an
 * absolute URL, HTTPS through a CONNECT tunnel. Node's fetch ignores these variables, hence this.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Socket } from 'node:net';

export class HttpError extends Error {
  constructor(
    message: string,
    /** Retrying may help (network error, timeout, 5xx, 429). */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function env(name: string, e: NodeJS.ProcessEnv): string | undefined {
  return e[name.toLowerCase()] ?? e[name.toUpperCase()];
}

/** The proxy URL for a target, or undefined when none applies (no_proxy: host suffixes, `*`, optional ports). */
export function proxyFor(target: URL, e: NodeJS.ProcessEnv = process.env): URL | undefined {
  const proxy = env(target.protocol === 'https:' ? 'https_proxy' : 'http_proxy', e);
  if (!proxy) return undefined;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of (env('no_proxy', e) ?? '').split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return undefined;
    const [h, port] = entry.split(/:(?=\d+$)/) as [string, string | undefined];
    if (port && port !== (target.port || (target.protocol === 'https:' ? '443' : '80'))) continue;
    const suffix = h.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith(`.${suffix}`)) return undefined;
  }
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

export interface GetOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

function once(url: URL, o: GetOptions): Promise<IncomingMessage> {
  const proxy = proxyFor(url, o.env);
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => reject(e instanceof HttpError ? e : new HttpError(`${url.href}: ${e.message}`, true));
    const common = { method: 'GET', timeout: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}), headers: { 'user-agent': 'kplay', host: url.host } };
    const onTimeout = function (this: http.ClientRequest) {
      this.destroy(new HttpError(`${url.href}: timed out after ${o.timeoutMs / 1000}s`, true));
    };
    if (!proxy) {
      const req = (secure ? https : http).request(url, common, resolve);
      req.on('timeout', onTimeout).on('error', fail).end();
      return;
    }
    const proxyPort = Number(proxy.port || 80);
    if (!secure) {
      const req = http.request({ ...common, host: proxy.hostname, port: proxyPort, path: url.href }, resolve);
      req.on('timeout', onTimeout).on('error', fail).end();
      return;
    }
    const connect = http.request({ host: proxy.hostname, port: proxyPort, method: 'CONNECT', path: `${url.hostname}:${port}`, timeout: o.timeoutMs });
    connect.on('timeout', onTimeout).on('error', fail);
    connect.on('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(new HttpError(`proxy ${proxy.host} refused CONNECT ${url.host}: HTTP ${res.statusCode}`, (res.statusCode ?? 0) >= 500));
        return;
      }
      const req = https.request(url, { ...common, createConnection: () => tls.connect({ socket, servername: url.hostname }) }, resolve);
      req.on('timeout', onTimeout).on('error', fail).end();
    });
    connect.end();
  });
}

/** GET that follows up to 10 redirects; resolves with a 200 response, rejects with HttpError otherwise. */
export async function httpGet(url: string, o: GetOptions): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; hop <= 10; hop++) {
    const res = await once(current, o);
    const code = res.statusCode ?? 0;
    if (code >= 300 && code < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (code !== 200) {
      res.resume();
      throw new HttpError(`${current.href}: HTTP ${code}`, code >= 500 || code === 429);
    }
    return res;
  }
  throw new HttpError(`${url}: too many redirects`, false);
}

export async function httpGetText(url: string, o: GetOptions): Promise<string> {
  const res = await httpGet(url, o);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
