/**
 * Lazy variables, as in Ansible: `etcd_dir: "{{data_root}}/etcd"` is rendered when it is read,
 * against the variables of the same host, recursively, with an error on a cycle.
 *
 * A view is a read-only Proxy over the raw vars. Only what a template actually touches is rendered
 * (a host has hundreds of vars, a task reads five), and each value is rendered at most once per view.
 * A view is cheap to make; callers make one per render call unless they pass a view in, so that
 * set_fact/register between tasks is never hidden behind a stale cache.
 */
import { types } from 'node:util';
import { isPlainObject, setOwn } from './values.ts';

/** Renders a var's template string (lone `{{expr}}` → native value) against a scope view. */
export type VarRenderer = (source: string, scope: Record<string, unknown>) => unknown;

/** A raw object that is a variable scope of its own (a host's vars inside hostvars). */
const scopes = new WeakSet<object>();

/** Mark an object so that templates inside it render against it, not against the view that reached it. */
export function markVarScope<T extends object>(vars: T): T {
  scopes.add(vars);
  return vars;
}

// ---------------------------------------------------------------------------------------------
// Taint: what hosts send back (registered results, facts, set_fact values, loop items) is DATA.
// A data string is never rendered as a template, whatever it contains (Ansible's AnsibleUnsafe).
//
// Two marks, so that no value has to change its type (modules read `vars.x` as a plain string):
// - a container (object or list) of data is in `dataContainers`, deeply: everything inside it is data;
// - a vars object with data at its top level (the merged vars of a task, a host's set_fact store)
//   carries the names of those keys under the DATA_KEYS symbol. The symbol property is enumerable,
//   so `{...vars, x}` keeps the marks (a key overwritten by a spread stays data: fail closed).
// ---------------------------------------------------------------------------------------------

const dataContainers = new WeakSet<object>();

/** The keys of a vars object whose values are data (host output), never templates. */
export const DATA_KEYS: unique symbol = Symbol('kplay.dataKeys');

/** What DATA_KEYS holds: a Set, or a computed view of one (hostvars). */
export interface KeySet {
  has(key: string): boolean;
}

/**
 * Mark a value (deeply) as data that must never be rendered: every plain object and list inside it.
 * Strings cannot be marked: a data string at the top level of a vars object is marked by its key
 * (dataKeys / withData). Proxies (lazy views, hostvars) are left alone. Returns the value.
 */
export function markData<T>(value: T): T {
  markInto(value);
  return value;
}

function markInto(v: unknown): void {
  if (typeof v !== 'object' || v === null || dataContainers.has(v) || types.isProxy(v)) return;
  if (Array.isArray(v)) {
    dataContainers.add(v);
    for (const x of v) markInto(x);
  } else if (isPlainObject(v)) {
    dataContainers.add(v);
    for (const k of Object.keys(v)) markInto(v[k]);
  }
}

/** True for a container marked by markData. */
export function isData(v: unknown): boolean {
  return typeof v === 'object' && v !== null && dataContainers.has(v);
}

/** The data keys of a vars object (undefined when it has none). */
export function dataKeysOf(vars: object): KeySet | undefined {
  return (vars as Record<symbol, KeySet | undefined>)[DATA_KEYS];
}

/** The mutable data-key set of a store (a host's set_fact/register vars), made on first use. */
export function dataKeySet(store: object): Set<string> {
  const s = store as Record<symbol, Set<string> | undefined>;
  let set = s[DATA_KEYS];
  if (!(set instanceof Set)) {
    set = new Set();
    Object.defineProperty(store, DATA_KEYS, { value: set, enumerable: true, writable: true, configurable: true });
  }
  return set;
}

/** True when `vars[key]` is data: the key is marked, or the whole object is. */
export function isDataKey(vars: object, key: string): boolean {
  return dataContainers.has(vars) || dataKeysOf(vars)?.has(key) === true;
}

/**
 * `{...base, ...data}` where every value of `data` is data (a loop item, a result's fields): the
 * result keeps base's data keys and adds data's.
 */
export function withData<T extends Record<string, unknown>>(base: T, data: Record<string, unknown>): T {
  const keys = new Set<string>();
  const baseKeys = dataKeysOf(base);
  const all = dataContainers.has(base);
  for (const k of Object.keys(base)) if (all || baseKeys?.has(k)) keys.add(k);
  for (const k of Object.keys(data)) {
    markInto(data[k]);
    keys.add(k);
  }
  return Object.assign({}, base, data, { [DATA_KEYS]: keys });
}

/** Thrown when a variable's template refers back to itself. */
export class VarCycleError extends Error {
  constructor(readonly chain: string[]) {
    super(`variable cycle: ${chain.join(' → ')}`);
    this.name = 'VarCycleError';
  }
}

/** Thrown by internal renders of a var; the public API turns it into a KplayError. */
export class VarRenderError extends Error {
  constructor(
    readonly variable: string,
    readonly inner: unknown,
    /** The var's own template, where the inner error's line and column point. */
    readonly source: string,
  ) {
    super(`while rendering variable '${variable}': ${inner instanceof Error ? inner.message : String(inner)}`);
    this.name = 'VarRenderError';
  }
}

const VIEW = Symbol('kplay.lazyView');

/** What all scopes reached from one lazyVars call share. */
interface Root {
  render: VarRenderer;
  /** One scope per raw vars object, so hostvars.a.x read from b is the same value as x read on a. */
  scopes: Map<object, Scope>;
  /** Vars being rendered right now, for cycle detection (also across hosts) and error messages. */
  resolving: { obj: object; key: string; path: string }[];
}

interface Scope {
  root: Root;
  /** The top-level view of this scope: what a var's template is rendered against. */
  view: Record<string, unknown>;
  proxies: Map<object, object>;
  memo: Map<object, Map<string, unknown>>;
}

interface ViewState {
  raw: object;
  scope: Scope;
  path: string;
}

function isWrappable(v: unknown): v is object {
  return Array.isArray(v) || isPlainObject(v);
}

/** True for a lazy view made by lazyVars. */
export function isLazyView(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[VIEW] !== undefined;
}

/** The raw object under a view (or the value itself). */
export function rawOf<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    const state = (v as Record<symbol, unknown>)[VIEW] as ViewState | undefined;
    if (state) return state.raw as T;
  }
  return v;
}

/** A lazy view of `vars`; a view passed in is returned as it is. */
export function lazyVars(vars: Record<string, unknown>, render: VarRenderer): Record<string, unknown> {
  if (isLazyView(vars)) return vars;
  return scopeFor({ render, scopes: new Map(), resolving: [] }, vars).view;
}

function scopeFor(root: Root, raw: object): Scope {
  let scope = root.scopes.get(raw);
  if (!scope) {
    scope = { root, proxies: new Map(), memo: new Map() } as unknown as Scope;
    scope.view = viewOf(raw, scope, '') as Record<string, unknown>;
    root.scopes.set(raw, scope);
  }
  return scope;
}

function viewOf(raw: object, scope: Scope, path: string): object {
  let proxy = scope.proxies.get(raw);
  if (!proxy) {
    proxy = new Proxy(proxyTarget(raw), handler({ raw, scope, path }));
    scope.proxies.set(raw, proxy);
  }
  return proxy;
}

/** Proxy invariants forbid reporting another value for a frozen property, so frozen objects get a copy as target. */
function proxyTarget(raw: object): object {
  if (Object.isExtensible(raw)) return raw;
  return Array.isArray(raw) ? [...(raw as unknown[])] : { ...raw };
}

function handler(state: ViewState): ProxyHandler<object> {
  const { raw, scope } = state;
  return {
    get(target, key, receiver) {
      if (key === VIEW) return state;
      if (typeof key === 'symbol' || !Object.hasOwn(raw, key)) return Reflect.get(target, key, receiver);
      let memo = scope.memo.get(raw);
      if (memo?.has(key)) return memo.get(key);
      const value = resolve(state, key);
      if (!memo) scope.memo.set(raw, (memo = new Map()));
      memo.set(key, value);
      return value;
    },
    // Own properties only, so Handlebars' strict check calls `{{x.constructor}}` undefined.
    has(target, key) {
      return typeof key === 'symbol' ? Reflect.has(target, key) : Object.hasOwn(raw, key);
    },
    set() {
      throw new TypeError('template variables are read-only');
    },
    deleteProperty() {
      throw new TypeError('template variables are read-only');
    },
    defineProperty() {
      throw new TypeError('template variables are read-only');
    },
  };
}

function childPath(parent: string, key: string): string {
  if (parent === '') return key;
  return /^\d+$/.test(key) ? `${parent}[${key}]` : `${parent}.${key}`;
}

function resolve(state: ViewState, key: string): unknown {
  const { raw, scope } = state;
  const value = (raw as Record<string, unknown>)[key];
  const path = childPath(state.path, key);
  // Vars are data: a function (never from YAML) must not be callable as a Handlebars lambda.
  if (typeof value === 'function') return undefined;
  if (typeof value === 'string') {
    if (!value.includes('{{') && !value.includes('{%')) return value;
    // host output (register, facts, set_fact, loop items) is data: never a template
    if (isDataKey(raw, key)) return value;
    return renderVar(scope, raw, key, path, value);
  }
  if (!isWrappable(value)) return value;
  // A host's vars under hostvars render against that host, not against the host reading them.
  if (scopes.has(value) || state.path === 'hostvars') return scopeFor(scope.root, value).view;
  // a data container needs no view: nothing in it is ever rendered
  if (dataContainers.has(value)) return value;
  return viewOf(value, scope, path);
}

function renderVar(scope: Scope, raw: object, key: string, path: string, source: string): unknown {
  const { resolving } = scope.root;
  const at = resolving.findIndex((r) => r.obj === raw && r.key === key);
  if (at >= 0) throw new VarCycleError([...resolving.slice(at).map((r) => r.path), path]);
  resolving.push({ obj: raw, key, path });
  try {
    return scope.root.render(source, scope.view);
  } catch (err) {
    if (err instanceof VarCycleError) throw err;
    throw new VarRenderError(path, err, source);
  } finally {
    resolving.pop();
  }
}

/**
 * A plain deep copy with every lazy value rendered: what leaves the template engine (module args,
 * registered facts) must not be a Proxy. Values without views inside are returned as they are.
 */
export function materialize<T>(value: T): T {
  return materializeInto(value, new Map()) as T;
}

function materializeInto(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (!isLazyView(value) && !containsView(value, new Set())) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(materializeInto(value[i], seen));
    return out;
  }
  if (!isPlainObject(rawOf(value))) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const k of Object.keys(value)) setOwn(out, k, materializeInto((value as Record<string, unknown>)[k], seen));
  return out;
}

function containsView(value: object, visiting: Set<object>): boolean {
  if (visiting.has(value)) return false;
  visiting.add(value);
  const items = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : [];
  for (const v of items) {
    if (typeof v === 'object' && v !== null && (isLazyView(v) || containsView(v, visiting))) return true;
  }
  return false;
}
