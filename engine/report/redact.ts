/**
 * The one redaction point: every event passes through a Redactor before any reporter sees it, so
 * secret values (no_log vars, connection and become passwords, private keys) cannot reach the
 * console, --json, logs or error text. Matching is by value, not by field name: a secret is
 * masked wherever it turns up (results, diffs, messages, change summaries, item labels, keys).
 *
 * Secrets are also recognised by kind, whichever module or lookup they came through: PEM and OpenSSH private key blocks (their base64 body, also
 * behind diff prefixes, JSON escapes or cut short), a private key PEM in base64 (a kubeconfig's
 * client-key-data, a Secret's tls.key, slurped content), and a kubeconfig's client-key-data,
 * token and password values. What is found that way is also added as a secret, so the same text
 * is masked in every other field and later event (stdout_lines, the registered copy).
 */
import type { RunEvent } from './events.ts';

export const MASK = '********';
/** Shorter values would mask ordinary words ("yes", "on") all over the output. */
export const MIN_SECRET_LENGTH = 4;
/** Lines of a multi-line secret (a PEM body) long enough to be masked on their own. */
const MIN_SECRET_LINE_LENGTH = 16;
const PEM_MARKER = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/;

export const CENSORED_ITEM = '(hidden)';

export interface Redactor {
  /** Add a secret: a string, number or Buffer, or an object/array whose every leaf is secret. */
  add(secret: unknown): void;
  /** A copy of the event with every secret masked (the same object when nothing matched). */
  event<E extends RunEvent>(e: E): E;
  /** Mask secrets in any value (the same reference when nothing matched). */
  value<T>(v: T): T;
  /** Mask secrets in a string (for error messages and logs). */
  text(s: string): string;
  /** How many distinct forms are being matched (0 means the redactor does nothing). */
  readonly size: number;
}

export function createRedactor(secrets: Iterable<unknown> = []): Redactor {
  const forms = new Set<string>();
  let pattern: RegExp | undefined;
  let dirty = false;

  const regex = (): RegExp | undefined => {
    if (dirty) {
      // Longest first, so a secret that contains another is masked whole.
      const sorted = [...forms].sort((a, b) => b.length - a.length);
      pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
      dirty = false;
    }
    return pattern;
  };

  const text = (s: string): string => {
    const re = regex();
    let masked = s;
    if (re && s.length >= MIN_SECRET_LENGTH) {
      re.lastIndex = 0;
      if (re.test(s)) masked = s.replace(re, MASK);
    }
    return maskByKind(masked);
  };

  const addOne = (secret: string): void => {
    // The encoded forms of a short value are short too and would match by accident.
    if (secret.trim().length < MIN_SECRET_LENGTH) return;
    for (const f of secretForms(secret)) {
      if (f.length >= MIN_SECRET_LENGTH && !forms.has(f)) {
        forms.add(f);
        dirty = true;
      }
    }
  };

  const add = (secret: unknown): void => {
    for (const s of leaves(secret, new WeakSet())) addOne(s);
  };

  const value = <T>(v: T): T => {
    // secrets recognised by kind become secrets by value first, so every other form of them is masked
    for (const found of discover(v)) add(found);
    return redactDeep(v, text, new WeakMap()) as T;
  };

  for (const s of secrets) add(s);

  return {
    add,
    event: <E extends RunEvent>(e: E): E => value(e),
    value,
    text,
    get size() {
      return forms.size;
    },
  };
}

/**
 * What a no_log task may show: its status and where it ran. Result, changes (their summaries and
 * diffs), message and the loop item label are dropped.
 */
export function censor<E extends RunEvent>(e: E): E {
  if (e.type !== 'host_result') return e;
  const censored: Extract<RunEvent, { type: 'host_result' }> = {
    type: 'host_result',
    host: e.host,
    task: e.task,
    module: e.module,
    status: e.status,
    changes: [],
    censored: true,
    durationMs: e.durationMs,
    time: e.time,
    ...(e.ignored !== undefined ? { ignored: e.ignored } : {}),
    ...(e.item !== undefined ? { item: CENSORED_ITEM } : {}),
    ...(e.delegatedTo !== undefined ? { delegatedTo: e.delegatedTo } : {}),
  };
  return censored as E;
}

// ---------------------------------------------------------------------------------------------
// Secrets by kind
// ---------------------------------------------------------------------------------------------

/** A PEM private key block (RSA, EC, ENCRYPTED, OPENSSH, PKCS#8 …), up to its END line or the end of the text. */
const PEM_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----([\s\S]*?)(?:-----END \1PRIVATE KEY-----|$)/g;
/** The base64 of a key body (a line, or a run across escaped/prefixed lines). */
const KEY_BODY_RUN = /[A-Za-z0-9+/=]{16,}/g;
/** base64 of "-----BEGIN" (at a 3-byte boundary, as in any base64 of a PEM file), with what follows (wrapped lines too). */
const PEM_B64 = /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*(?:\r?\n[ \t]*[A-Za-z0-9+/=]{16,}(?=\s|$))*/g;
/** kubeconfig credentials: `client-key-data: X`, `token: X`, `password: X` (YAML or JSON). */
const KUBECONFIG_CRED = /((?:^|[\s{,"'])(?:client-key-data|token|id-token|refresh-token|password|client-secret)["']?\s*:\s*["']?)([^\s"',}]{4,})/gm;
const KUBECONFIG_HINT = /client-key-data|\bkind["']?\s*:\s*["']?Config\b|auth-provider|\busers["']?\s*:/;

/** A base64 text that decodes to a private key PEM. */
function isKeyB64(b64: string): boolean {
  const decoded = Buffer.from(b64.replace(/\s+/g, ''), 'base64').toString('latin1');
  return /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/.test(decoded);
}

function mayHoldKind(s: string): boolean {
  return s.includes('PRIVATE KEY-----') || s.includes('LS0tLS1CRUdJTi') || (KUBECONFIG_HINT.test(s) && s.includes(':'));
}

/** Private keys and kubeconfig credentials in a text, masked (the same string when it has none). */
export function maskByKind(s: string): string {
  if (s.length < 16 || !mayHoldKind(s)) return s;
  let out = s;
  if (out.includes('PRIVATE KEY-----')) {
    out = out.replace(PEM_KEY, (block: string, kind: string, body: string) => {
      const end = block.endsWith('PRIVATE KEY-----') && block.lastIndexOf('-----END') > 0 ? `-----END ${kind}PRIVATE KEY-----` : '';
      return `-----BEGIN ${kind}PRIVATE KEY-----${body.replace(KEY_BODY_RUN, MASK)}${end}`;
    });
  }
  if (out.includes('LS0tLS1CRUdJTi')) out = out.replace(PEM_B64, (b64) => (isKeyB64(b64) ? MASK : b64));
  if (KUBECONFIG_HINT.test(out)) out = out.replace(KUBECONFIG_CRED, (_m, key: string, val: string) => (val === MASK ? `${key}${val}` : `${key}${MASK}`));
  return out;
}

/** The secret parts (key bodies, credentials) of every text inside a value; lists of lines are read joined. */
function discover(v: unknown): string[] {
  const found: string[] = [];
  const seen = new WeakSet<object>();
  const scan = (s: string): void => {
    if (s.length < 16 || !mayHoldKind(s)) return;
    for (const m of s.matchAll(PEM_KEY)) {
      found.push(m[0]);
      for (const run of m[2]!.matchAll(KEY_BODY_RUN)) found.push(run[0]);
    }
    for (const m of s.matchAll(PEM_B64)) {
      if (!isKeyB64(m[0])) continue;
      found.push(m[0]);
      scan(Buffer.from(m[0].replace(/\s+/g, ''), 'base64').toString('utf8'));
    }
    if (KUBECONFIG_HINT.test(s)) for (const m of s.matchAll(KUBECONFIG_CRED)) if (m[2] !== MASK) found.push(m[2]!);
  };
  const walk = (x: unknown): void => {
    if (typeof x === 'string') scan(x);
    else if (x !== null && typeof x === 'object' && !seen.has(x)) {
      seen.add(x);
      const items = x instanceof Map ? [...x.values()] : Array.isArray(x) ? x : Object.values(x);
      if (Array.isArray(x) && x.length > 1 && x.every((i) => typeof i === 'string')) scan(x.join('\n'));
      for (const i of items) walk(i);
    }
  };
  walk(v);
  return found;
}

/** The ways a secret shows up in output: raw, JSON-escaped, base64, URL-encoded, shell-quoted, per line. */
function secretForms(secret: string): string[] {
  const forms = [secret, secret.trim()];
  forms.push(JSON.stringify(secret).slice(1, -1));
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  forms.push(b64, b64.replace(/=+$/, ''));
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // lone surrogates cannot be URL-encoded; the raw form is still masked
  }
  forms.push(secret.replaceAll("'", `'\\''`));
  if (secret.includes('\n')) {
    forms.push(secret.replace(/\r?\n/g, '\r\n'));
    for (const line of secret.split(/\r?\n/)) {
      const l = line.trim();
      if (l.length >= MIN_SECRET_LINE_LENGTH && !PEM_MARKER.test(l)) forms.push(l);
    }
  }
  return forms;
}

function* leaves(v: unknown, seen: WeakSet<object>): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (typeof v === 'number' || typeof v === 'bigint') yield String(v);
  else if (Buffer.isBuffer(v)) yield v.toString('utf8');
  else if (v !== null && typeof v === 'object') {
    if (seen.has(v)) return;
    seen.add(v);
    for (const x of v instanceof Map ? v.values() : Object.values(v)) yield* leaves(x, seen);
  }
}

/** Copy-on-write walk: returns the input itself when nothing inside it changed. */
function redactDeep(v: unknown, text: (s: string) => string, memo: WeakMap<object, unknown>): unknown {
  if (typeof v === 'string') return text(v);
  if (v === null || typeof v !== 'object') return v;
  if (memo.has(v)) return memo.get(v);
  if (Buffer.isBuffer(v)) {
    const s = v.toString('utf8');
    const r = text(s);
    return r === s ? v : Buffer.from(r, 'utf8');
  }
  if (v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v)) return v;
  memo.set(v, v); // cycles resolve to the original until the copy is known
  let out: unknown = v;
  if (Array.isArray(v)) {
    const items = v.map((x) => redactDeep(x, text, memo));
    if (items.some((x, i) => x !== v[i])) out = items;
  } else if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, x]) => [redactDeep(k, text, memo), redactDeep(x, text, memo)] as const);
    if ([...v.entries()].some(([k, x], i) => entries[i]![0] !== k || entries[i]![1] !== x)) out = new Map(entries);
  } else if (v instanceof Set) {
    const items = [...v].map((x) => redactDeep(x, text, memo));
    if (items.some((x, i) => x !== [...v][i])) out = new Set(items);
  } else if (v instanceof Error) {
    const msg = text(v.message);
    if (msg !== v.message) {
      const e = new Error(msg);
      e.name = v.name;
      out = e;
    }
  } else {
    let changed = false;
    const copy: Record<string, unknown> = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) {
      const key = text(k);
      const val = redactDeep(x, text, memo);
      if (key !== k || val !== x) changed = true;
      copy[key] = val;
    }
    if (changed) out = copy;
  }
  memo.set(v, out);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
