/** The k8s module's pure planning: live objects + server-side dry run → changes, ops, masked diffs. */
import type { Change, Op, Plan } from '../../api.ts';
import { applyOrder, expectedNamespace, isCrd, maskPair, normalize, objectId, ref, ROLLOUT_KINDS, sameContent, toYaml, type K8sObject } from './objects.ts';
import { K8S_FIELD_MANAGER, type K8sArgs } from './schema.ts';

/** The dry run of one object: the server's result, or its error. */
export type DryRun = { obj: K8sObject } | { error: string };

export interface K8sState {
  /** The objects of the manifest, in apply order. */
  objects: K8sObject[];
  /** The manifest could not be read or an object is malformed: the task fails with this. */
  error?: string;
  /** kubectl, the kubeconfig or the apiserver is not there. `after`: an earlier task of this run would provide it. */
  unreachable?: { reason: string; after?: string };
  /** Per object (same index): the live object, or null when it does not exist. */
  live: (K8sObject | null)[];
  /** Per object: the server-side dry run (state present only). */
  dry: (DryRun | null)[];
  /** Per object: an error reading it that is not "not found". */
  readErrors?: (string | undefined)[];
  /** Waits run while reading because nothing had to change (real runs with wait): the first failure. */
  waitFailed?: string;
}

/** A dry-run error that only says the object depends on another one of this apply (its namespace or CRD is created with it). */
export function isDependencyError(msg: string): boolean {
  return /namespaces? "[^"]*" not found|no matches for kind|resource mapping not found|ensure CRDs are installed first/.test(msg);
}

export type Action = 'create' | 'configure' | 'unchanged';

export interface ObjectPlan {
  obj: K8sObject;
  id: string;
  action: Action;
  before?: K8sObject;
  after?: K8sObject;
}

const jsonl = (objs: K8sObject[]): string => objs.map((o) => JSON.stringify(o)).join('\n') + '\n';

export function kubectlBase(a: K8sArgs): string[] {
  return [a.kubectl ?? 'kubectl', '--kubeconfig', a.kubeconfig ?? '/etc/kubernetes/admin.conf', ...(a.namespace ? ['-n', a.namespace] : [])];
}

const timeoutOf = (a: K8sArgs): number => a.wait_timeout ?? 120;

function waitOp(a: K8sArgs, what: string[], objs: K8sObject[]): Op {
  return { kind: 'exec', cmd: [...kubectlBase(a), ...what, `--timeout=${timeoutOf(a)}s`, '-f', '-'], stdin: jsonl(objs.map(ref)), timeoutMs: (timeoutOf(a) * objs.length + 60) * 1000 };
}

/** The waits `wait`/`wait_condition` ask for, for objects that exist (or will) after the apply. */
export function waitOps(objs: K8sObject[], a: K8sArgs): Op[] {
  if ((a.state ?? 'present') === 'absent') return a.wait && objs.length ? [waitOp(a, ['wait', '--for=delete'], objs)] : [];
  if (a.wait_condition) return objs.length ? [waitOp(a, ['wait', `--for=condition=${a.wait_condition.type}=${a.wait_condition.status ?? 'True'}`], objs)] : [];
  if (!a.wait) return [];
  const ops: Op[] = [];
  const crds = objs.filter(isCrd);
  if (crds.length) ops.push(waitOp(a, ['wait', '--for=condition=Established'], crds));
  for (const o of objs.filter((x) => ROLLOUT_KINDS.has(x.kind))) ops.push(waitOp(a, ['rollout', 'status'], [o]));
  return ops;
}

function applyOp(a: K8sArgs, objs: K8sObject[]): Op {
  return {
    kind: 'exec',
    cmd: [...kubectlBase(a), 'apply', '--server-side', `--field-manager=${K8S_FIELD_MANAGER}`, ...(a.force_conflicts ? ['--force-conflicts'] : []), '-o', 'name', '-f', '-'],
    stdin: jsonl(objs),
    timeoutMs: 300_000,
  };
}

/** Ops of an apply: Namespaces and CRDs first (and the CRDs Established) when other objects come with them, then the rest, then the waits. */
export function applyOps(changed: K8sObject[], all: K8sObject[], a: K8sArgs): Op[] {
  const first = changed.filter((o) => (o.kind === 'Namespace' && o.apiVersion === 'v1') || isCrd(o));
  const rest = changed.filter((o) => !first.includes(o));
  const ops: Op[] = [];
  if (first.length && rest.length) {
    ops.push(applyOp(a, first));
    const crds = first.filter(isCrd);
    if (crds.length) ops.push(waitOp(a, ['wait', '--for=condition=Established'], crds));
    ops.push(applyOp(a, rest));
  } else ops.push(applyOp(a, changed));
  return [...ops, ...waitOps(all, a)];
}

function diffOf(p: ObjectPlan): Change['diff'] {
  const [b, af] = maskPair(p.before && normalize(p.before), p.after && normalize(p.after));
  return { path: p.id, before: toYaml(b), after: toYaml(af) };
}

function lists(plans: ObjectPlan[], deleted: string[] = []) {
  const ids = (act: Action) => plans.filter((p) => p.action === act).map((p) => p.id);
  return { created: ids('create'), configured: ids('configure'), unchanged: ids('unchanged'), deleted };
}

export function planPresent(s: K8sState, a: K8sArgs, check: boolean): Plan {
  const objs = s.objects;
  if (s.unreachable) {
    if (!check) return { changes: [], failed: `cannot reach the cluster: ${s.unreachable.reason}` };
    // a fresh cluster in a check run: plan from the rendered objects
    const plans: ObjectPlan[] = objs.map((o) => ({ obj: o, id: objectId(o, expectedNamespace(o, a.namespace)), action: 'create', after: o }));
    return {
      changes: plans.map((p) => ({
        summary: `create ${p.id} (the cluster is not reachable: ${s.unreachable!.reason})`,
        ops: [],
        diff: diffOf(p),
        ...(s.unreachable!.after ? { after: s.unreachable!.after } : {}),
      })),
      result: lists(plans),
    };
  }
  const plans: ObjectPlan[] = [];
  const errors: string[] = [];
  objs.forEach((o, i) => {
    const live = s.live[i] ?? undefined;
    const dry = s.dry[i] ?? undefined;
    const readError = s.readErrors?.[i];
    const known = dry && 'obj' in dry ? dry.obj : live;
    const ns = known ? known.metadata.namespace : expectedNamespace(o, a.namespace);
    const id = objectId(o, ns);
    if (readError) return void errors.push(`${id}: ${readError}`);
    if (!dry) return void errors.push(`${id}: no dry-run result`);
    if ('error' in dry) {
      // its namespace or CRD is created by this same apply: plan from the manifest
      if (!live && isDependencyError(dry.error)) return void plans.push({ obj: o, id, action: 'create', after: o });
      return void errors.push(`${id}: ${dry.error}`);
    }
    if (!live) return void plans.push({ obj: o, id, action: 'create', after: dry.obj });
    plans.push({ obj: o, id, action: sameContent(live, dry.obj) ? 'unchanged' : 'configure', before: live, after: dry.obj });
  });
  if (errors.length) return { changes: [], failed: errors.join('\n'), result: lists(plans) };
  const changed = plans.filter((p) => p.action !== 'unchanged');
  if (s.waitFailed) return { changes: [], failed: s.waitFailed, result: lists(plans) };
  if (!changed.length) return { changes: [], result: lists(plans) };
  const ops = applyOps(
    changed.map((p) => p.obj),
    objs,
    a,
  );
  return {
    changes: changed.map((p, i) => ({ summary: `${p.action === 'create' ? 'create' : 'configure'} ${p.id}`, ops: i === 0 ? ops : [], diff: diffOf(p) })),
    result: lists(plans),
  };
}

export function planAbsent(s: K8sState, a: K8sArgs, check: boolean): Plan {
  if (s.unreachable) {
    if (!check) return { changes: [], failed: `cannot reach the cluster: ${s.unreachable.reason}` };
    return { changes: [], result: { created: [], configured: [], unchanged: [], deleted: [], msg: `the cluster is not reachable (${s.unreachable.reason}): nothing to delete` } };
  }
  const errors = s.objects.flatMap((o, i) => (s.readErrors?.[i] ? [`${objectId(o)}: ${s.readErrors[i]}`] : []));
  if (errors.length) return { changes: [], failed: errors.join('\n') };
  const present = s.live.filter((x): x is K8sObject => x !== null);
  if (s.waitFailed) return { changes: [], failed: s.waitFailed };
  const gone = [...present].reverse();
  const deleted = gone.map((o) => objectId(o));
  if (!gone.length) return { changes: [], result: { created: [], configured: [], unchanged: [], deleted: [] } };
  const del: Op = { kind: 'exec', cmd: [...kubectlBase(a), 'delete', '--ignore-not-found', '--wait=false', '-f', '-'], stdin: jsonl(gone.map(ref)), timeoutMs: 300_000 };
  const ops = [del, ...waitOps(gone.map(ref), a)];
  return {
    changes: gone.map((o, i) => {
      const [b] = maskPair(normalize(o), undefined);
      return { summary: `delete ${objectId(o)}`, ops: i === 0 ? ops : [], diff: { path: objectId(o), before: toYaml(b), after: '' } };
    }),
    result: { created: [], configured: [], unchanged: [], deleted },
  };
}

export function planK8s(s: K8sState, a: K8sArgs, check: boolean): Plan {
  if (s.error) return { changes: [], failed: s.error };
  return (a.state ?? 'present') === 'absent' ? planAbsent(s, a, check) : planPresent(s, a, check);
}

export { applyOrder };
