/**
 * uri: an HTTP(S) request that starts on the host: Node's http/https run on the controller over a
 * TCP stream the transport opens from the host (ssh forwardOut), so no curl is needed there and
 * 127.0.0.1 means the host itself.
 */
import { Type, type Static } from '@sinclair/typebox';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { controllerOp, defineAction, defineModule, type ActionContext, type OpResult, type Plan, type Vars } from '../api.ts';

const schema = Type.Object(
  {
    url: Type.String({ description: 'http:// or https:// URL, as the host sees it.', pattern: '^https?://' }),
    method: Type.Optional(Type.String({ description: 'HTTP method. GET and HEAD never count as a change; other methods do, and are skipped in check mode.', default: 'GET' })),
    body: Type.Optional(Type.Unknown({ description: 'Request body: a string, or data encoded per body_format.' })),
    body_format: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('json'), Type.Literal('form-urlencoded')], { description: 'How body is encoded (sets Content-Type).', default: 'raw' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Request headers.' })),
    status_code: Type.Optional(Type.Union([Type.Integer(), Type.Array(Type.Integer())], { description: 'Status code(s) that mean success.', default: [200] })),
    return_content: Type.Optional(Type.Boolean({ description: 'Register the body as content (JSON bodies are always parsed into json).', default: false })),
    validate_certs: Type.Optional(Type.Boolean({ description: 'Verify the server certificate (https).', default: true })),
    ca_path: Type.Optional(Type.String({ description: 'CA bundle (PEM) on the host to verify the server with.' })),
    client_cert: Type.Optional(Type.String({ description: 'Client certificate (PEM) on the host, for mutual TLS.' })),
    client_key: Type.Optional(Type.String({ description: 'Client private key (PEM) on the host, for mutual TLS. Never shown.' })),
    url_username: Type.Optional(Type.String({ description: 'User for HTTP basic authentication.' })),
    url_password: Type.Optional(Type.String({ description: 'Password for HTTP basic authentication. Never shown.' })),
    follow_redirects: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('safe'), Type.Literal('all')], { description: 'safe: follow redirects of GET and HEAD.', default: 'safe' })),
    timeout: Type.Optional(Type.Number({ description: 'Seconds for the whole request.', exclusiveMinimum: 0, default: 30 })),
  },
  { additionalProperties: false },
);

export type UriArgs = Static<typeof schema>;

export interface HttpResponse {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  url: string;
  redirected: boolean;
}

/** A request's outcome as a value: the response, or why there is none. */
export type UriOutcome = { response: HttpResponse } | { error: string };

export interface UriState {
  /** GET/HEAD: the outcome, read in read(). Other methods: absent (sending the request is the change). */
  outcome?: UriOutcome;
}

/** What a request needs from the host: its files (TLS material) and a TCP stream that starts there. */
type HostSide = Pick<ActionContext, 'fetch' | 'connectTcp'>;

function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

export function encodeBody(a: UriArgs): { body?: Buffer; contentType?: string } {
  if (a.body === undefined) return {};
  const fmt = a.body_format ?? 'raw';
  if (fmt === 'json') return { body: Buffer.from(typeof a.body === 'string' ? a.body : JSON.stringify(a.body)), contentType: 'application/json' };
  if (fmt === 'form-urlencoded') {
    const p = typeof a.body === 'string' ? a.body : new URLSearchParams(Object.entries(a.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return { body: Buffer.from(p), contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: Buffer.from(typeof a.body === 'string' ? a.body : JSON.stringify(a.body)) };
}

interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

async function tlsFiles(ctx: HostSide, a: UriArgs): Promise<TlsFiles> {
  const get = async (p: string | undefined, what: string) => {
    if (p === undefined) return undefined;
    const b = await ctx.fetch(p);
    if (!b) throw new Error(`${what} ${p} not found on the host`);
    return b;
  };
  const [ca, cert, key] = await Promise.all([get(a.ca_path, 'ca_path'), get(a.client_cert, 'client_cert'), get(a.client_key, 'client_key')]);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

async function once(ctx: HostSide, a: UriArgs, url: URL, method: string, files: TlsFiles): Promise<Omit<HttpResponse, 'redirected' | 'url'>> {
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const raw = await ctx.connectTcp(host, port);
  let sock: Duplex = raw;
  if (https) {
    sock = tlsConnect({
      socket: raw,
      // host is what the certificate is checked against (an IP needs an IP SAN); SNI only for names
      host,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: a.validate_certs !== false,
      ...files,
    });
  }
  const { body, contentType } = encodeBody(a);
  const headers: Record<string, string> = { host: url.host, ...(contentType ? { 'content-type': contentType } : {}), ...(body ? { 'content-length': String(body.length) } : {}) };
  if (a.url_username !== undefined) headers.authorization = `Basic ${Buffer.from(`${a.url_username}:${a.url_password ?? ''}`).toString('base64')}`;
  Object.assign(headers, a.headers ?? {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy(new Error(`request timed out after ${a.timeout ?? 30} s`));
    }, (a.timeout ?? 30) * 1000);
    const req = httpRequest({ method, path: `${url.pathname}${url.search}`, headers, createConnection: () => sock as never }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        sock.destroy();
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => (clearTimeout(timer), reject(e)));
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    });
    req.end(body);
  });
}

export async function sendRequest(ctx: HostSide, a: UriArgs): Promise<HttpResponse> {
  const method = (a.method ?? 'GET').toUpperCase();
  const files = await tlsFiles(ctx, a);
  let url = new URL(a.url);
  const follow = a.follow_redirects ?? 'safe';
  for (let hop = 0; ; hop++) {
    const r = await once(ctx, a, url, method, files);
    const loc = r.headers.location;
    const canFollow = follow === 'all' || (follow === 'safe' && isSafe(method));
    if (r.status >= 300 && r.status < 400 && loc && canFollow && hop < 10) {
      url = new URL(loc, url);
      continue;
    }
    return { ...r, url: url.toString(), redirected: hop > 0 };
  }
}

export function responseResult(r: HttpResponse, a: UriArgs): Vars {
  const type = String(r.headers['content-type'] ?? '');
  const text = r.body.toString('utf8');
  const res: Vars = { status: r.status, msg: `OK (${r.body.length} bytes)`, url: r.url, redirected: r.redirected, content_type: type, content_length: r.body.length };
  for (const [k, v] of Object.entries(r.headers)) res[k.replace(/-/g, '_')] = Array.isArray(v) ? v.join(', ') : v;
  if (a.return_content) res.content = text;
  if (/[/+]json\b/.test(type)) {
    try {
      res.json = JSON.parse(text) as unknown;
    } catch {
      // a body that says JSON but is not: leave json unset, like Ansible
    }
  }
  return res;
}

function statusOk(status: number, a: UriArgs): boolean {
  const codes = a.status_code === undefined ? [200] : Array.isArray(a.status_code) ? a.status_code : [a.status_code];
  return codes.includes(status);
}

function failure(r: HttpResponse, a: UriArgs): string | undefined {
  if (statusOk(r.status, a)) return undefined;
  return `Status code was ${r.status} and not ${JSON.stringify(a.status_code ?? [200])}: ${r.statusMessage}`;
}

async function outcome(ctx: HostSide, a: UriArgs): Promise<UriOutcome> {
  try {
    return { response: await sendRequest(ctx, a) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** A request that changes something (POST, PUT …): sent when the executor applies the plan. */
export const requestAction = defineAction<UriArgs, UriOutcome>({ name: 'uri.request', run: (a, ctx) => outcome(ctx, a) });

export function planUri(s: UriState, a: UriArgs): Plan {
  const method = (a.method ?? 'GET').toUpperCase();
  if (isSafe(method)) {
    const o = s.outcome ?? { error: 'the request was not sent' };
    if ('error' in o) return { changes: [], failed: `${redact(a.url)}: ${o.error}`, result: { status: -1, url: redact(a.url) } };
    const r = o.response;
    const result = responseResult(r, a);
    const f = failure(r, a);
    return f ? { changes: [], failed: f, result: { ...result, msg: f } } : { changes: [], result };
  }
  return { changes: [{ summary: `${method} ${redact(a.url)}`, ops: [controllerOp(requestAction, a, `${method} ${redact(a.url)} from the host`)] }] };
}

/** The outcome the request action returned, when it ran. */
function applied(ops: OpResult[]): UriOutcome | undefined {
  return ops.find((r) => r.op.kind === 'controller')?.output as UriOutcome | undefined;
}

/** user:password@ in a URL must not reach the console. */
function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

export const uri = defineModule({
  name: 'uri',
  schema,
  doc: {
    short: 'Send an HTTP(S) request from the host',
    description:
      "Sends the request over a TCP stream that starts on the host (through the SSH connection), with Node's HTTP client on the controller: no curl on the host, and 127.0.0.1 is the host. Supports JSON bodies, status_code lists, return_content, mutual TLS, basic auth, and until/retries. GET and HEAD are never a change and run in check mode; other methods are a change and are skipped in check mode.",
    examples: `- uri: { url: 'https://127.0.0.1:6443/healthz', ca_path: /etc/kubernetes/pki/ca.crt, client_cert: /etc/kubernetes/pki/admin.crt, client_key: /etc/kubernetes/pki/admin.key, return_content: true }
  register: health
  until: health.content == 'ok'
  retries: 30
  delay: 2`,
    notes: [
      'ca_path, client_cert and client_key are files on the host (as in Ansible, where the module runs there); they are read through the connection and the key never leaves memory.',
      'Response headers are registered with - replaced by _ (content_type, location …); JSON bodies are parsed into json.',
    ],
  },
  checkMode: (a) => (isSafe((a.method ?? 'GET').toUpperCase()) ? 'plan' : 'skip'),
  validate(a) {
    try {
      new URL(a.url);
      return [];
    } catch {
      return [{ key: 'url', message: `not a URL: ${a.url}` }];
    }
  },
  actions: [requestAction],
  async read(ctx, a): Promise<UriState> {
    return isSafe((a.method ?? 'GET').toUpperCase()) ? { outcome: await outcome(ctx, a) } : {};
  },
  plan: planUri,
  result(ops, _s, a) {
    const o = applied(ops);
    if (!o) return {};
    if ('error' in o) return { failed: true, msg: `${redact(a.url)}: ${o.error}`, status: -1 };
    const r = o.response;
    const f = failure(r, a);
    return { ...responseResult(r, a), ...(f ? { failed: true, msg: f } : {}) };
  },
});
