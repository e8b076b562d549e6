/** Kubernetes objects as the k8s module handles them: parsing manifests, identity, normalizing, masking. */
import { dump, loadAll } from 'js-yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every object of a manifest value: an object, a list, a `kind: List` (or any *List with items), a YAML text. `where` names the source in errors. */
export function flattenObjects(v: unknown, where: string): K8sObject[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') {
    return loadAll(v).flatMap((d) => {
      if (typeof d === 'string') throw new Error(`${where}: a Kubernetes object must be a mapping, not a string`);
      return flattenObjects(d, where);
    });
  }
  if (Array.isArray(v)) return v.flatMap((d) => flattenObjects(d, where));
  if (!isRecord(v)) throw new Error(`${where}: a Kubernetes object must be a mapping, not ${typeof v}`);
  if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) return v.items.flatMap((d) => flattenObjects(d, where));
  const meta = v.metadata;
  if (typeof v.apiVersion !== 'string' || typeof v.kind !== 'string') throw new Error(`${where}: an object without apiVersion and kind`);
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '') {
    throw new Error(`${where}: ${v.kind} without metadata.name (generateName is not supported: the module must know which object it owns)`);
  }
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string') throw new Error(`${where}: ${v.kind} ${meta.name}: metadata.namespace must be a string`);
  return [v as K8sObject];
}

export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** "ConfigMap demo/settings", "Namespace demo". */
export function objectId(o: K8sObject, ns = o.metadata.namespace): string {
  return `${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name}`;
}

/** Whether a server's object is the one a manifest names (the manifest may leave the namespace to kubectl's default). */
export function sameObject(want: K8sObject, got: K8sObject): boolean {
  if (want.kind !== got.kind || want.metadata.name !== got.metadata.name || groupOf(want.apiVersion) !== groupOf(got.apiVersion)) return false;
  return want.metadata.namespace === undefined || want.metadata.namespace === got.metadata.namespace;
}

/** Apply order: Namespaces, then CustomResourceDefinitions, then the rest as written. */
export function applyOrder(objs: K8sObject[]): K8sObject[] {
  const rank = (o: K8sObject) => (o.kind === 'Namespace' && o.apiVersion === 'v1' ? 0 : isCrd(o) ? 1 : 2);
  return objs.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}

/** Built-in cluster-scoped kinds: only for naming an object before the server said where it lives. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'PriorityClass',
  'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration', 'GatewayClass',
]);

/** The namespace an object will live in, as far as the manifest and the namespace argument tell. */
export function expectedNamespace(o: K8sObject, defaultNs: string | undefined): string | undefined {
  return o.metadata.namespace ?? (CLUSTER_SCOPED.has(o.kind) ? undefined : defaultNs);
}

export const isCrd = (o: K8sObject): boolean => o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === 'apiextensions.k8s.io';
export const isSecret = (o: K8sObject): boolean => o.kind === 'Secret' && o.apiVersion === 'v1';
export const ROLLOUT_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

/** What only the server writes: never part of "changed", never in a diff. */
const SERVER_META = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink'];

export function normalize(o: K8sObject): K8sObject {
  const c = structuredClone(o);
  delete c.status;
  for (const k of SERVER_META) delete c.metadata[k];
  return c;
}

function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}

export function sameContent(a: K8sObject, b: K8sObject): boolean {
  return JSON.stringify(canon(normalize(a))) === JSON.stringify(canon(normalize(b)));
}

/** The minimal object that names another (for delete and wait: no data goes to kubectl). */
export function ref(o: K8sObject): K8sObject {
  return { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } };
}

export const MASKED = '<masked>';
export const MASKED_CHANGED = '<masked, changed>';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A before/after pair with every Secret value replaced: data and stringData values, and the
 * last-applied annotation (it holds the data too). A value that differs shows as changed,
 * never as itself.
 */
export function maskPair(before: K8sObject | undefined, after: K8sObject | undefined): [K8sObject | undefined, K8sObject | undefined] {
  const secret = [before, after].some((o) => o && isSecret(o));
  if (!secret) return [before, after];
  const b = before && structuredClone(before);
  const a = after && structuredClone(after);
  for (const field of ['data', 'stringData']) {
    const bv = b && isRecord(b[field]) ? (b[field] as Record<string, unknown>) : undefined;
    const av = a && isRecord(a[field]) ? (a[field] as Record<string, unknown>) : undefined;
    if (av) for (const k of Object.keys(av)) av[k] = before && bv?.[k] !== av[k] ? MASKED_CHANGED : MASKED;
    if (bv) for (const k of Object.keys(bv)) bv[k] = MASKED;
    if (b && b[field] !== undefined && !bv) b[field] = MASKED;
    if (a && a[field] !== undefined && !av) a[field] = MASKED;
  }
  const lastApplied = (o: K8sObject | undefined): unknown => (o && isRecord(o.metadata.annotations) ? o.metadata.annotations[LAST_APPLIED] : undefined);
  const maskAnnotation = (o: K8sObject | undefined, value: string) => {
    if (o && isRecord(o.metadata.annotations) && LAST_APPLIED in o.metadata.annotations) o.metadata.annotations[LAST_APPLIED] = value;
  };
  maskAnnotation(b, MASKED);
  maskAnnotation(a, before && lastApplied(before) !== lastApplied(after) ? MASKED_CHANGED : MASKED);
  return [b, a];
}

export function toYaml(o: K8sObject | undefined): string {
  return o ? dump(o, { noRefs: true, lineWidth: -1, skipInvalid: true }) : '';
}
