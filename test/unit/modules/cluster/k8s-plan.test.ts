/** k8s module: the pure planning (live + dry-run JSON → changes and ops), masking, manifest parsing, output parsing. */
import { expect } from 'chai';
import type { Op } from '../../../../modules/api.ts';
import { planK8s, type K8sState } from '../../../../modules/cluster/k8s/plan.ts';
import { applyOrder, flattenObjects, maskPair, MASKED, MASKED_CHANGED, type K8sObject } from '../../../../modules/cluster/k8s/objects.ts';
import { interpret, parseSections } from '../../../../modules/cluster/k8s/read.ts';
import { readScript } from '../../../../modules/cluster/k8s/probes.ts';
import type { K8sArgs } from '../../../../modules/cluster/k8s/schema.ts';

const cm = (data: Record<string, string>, ns: string | null = 'demo'): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', ...(ns ? { namespace: ns } : {}) }, data });
/** What the server adds to an object. */
const served = (o: K8sObject, rv = '100'): K8sObject => ({
  ...structuredClone(o),
  metadata: { ...structuredClone(o.metadata), ...(['Namespace', 'CustomResourceDefinition'].includes(o.kind) ? {} : { namespace: o.metadata.namespace ?? 'default' }), uid: 'u-1', resourceVersion: rv, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'kplay', operation: 'Apply' }] },
});
const secret = (data: Record<string, string>, extra: Record<string, unknown> = {}): K8sObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'demo', ...extra }, type: 'Opaque', data });
const crd: K8sObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.x.io' }, spec: { group: 'x.io' } };
const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } };
const widget: K8sObject = { apiVersion: 'x.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo' }, spec: { size: 1 } };
const deploy: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' }, spec: {} };

const A = (a: Partial<K8sArgs> = {}): K8sArgs => ({ kubectl: '/usr/local/bin/kubectl', kubeconfig: '/etc/kubernetes/admin.conf', ...a });
const state = (objects: K8sObject[], live: (K8sObject | null)[], dry: K8sState['dry'], extra: Partial<K8sState> = {}): K8sState => ({ objects, live, dry, ...extra });
const execs = (ops: Op[]) => ops.map((o) => (o.kind === 'exec' ? (o.cmd as string[]).slice(3).join(' ') : o.kind));

describe('k8s plan', () => {
  it('live equal to the dry run (server fields differ) is unchanged: no change, no op', () => {
    const live = served(cm({ a: '1' }), '100');
    const p = planK8s(state([cm({ a: '1' })], [live], [{ obj: served(cm({ a: '1' }), '101') }]), A(), false);
    expect(p.changes).to.deep.equal([]);
    expect(p.result).to.deep.include({ unchanged: ['ConfigMap demo/settings'], created: [], configured: [] });
  });

  it('status and generation never count', () => {
    const live = { ...served(deploy), status: { replicas: 0 } };
    const dry = { ...served(deploy), status: { replicas: 3 }, metadata: { ...served(deploy).metadata, generation: 7 } };
    expect(planK8s(state([deploy], [live], [{ obj: dry }]), A(), false).changes).to.deep.equal([]);
  });

  it('a changed value: one configure change, its diff shows only that line, one apply op with the manifest', () => {
    const p = planK8s(state([cm({ a: '2' })], [served(cm({ a: '1' }))], [{ obj: served(cm({ a: '2' })) }]), A(), false);
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['configure ConfigMap demo/settings']);
    const d = p.changes[0]!.diff!;
    expect(d.path).to.equal('ConfigMap demo/settings');
    expect(d.before).to.not.include('managedFields').and.not.include('resourceVersion').and.not.include('uid');
    expect(d.before.replace("a: '1'", "a: '2'")).to.equal(d.after);
    const ops = p.changes[0]!.ops;
    expect(execs(ops)).to.deep.equal(['apply --server-side --field-manager=kplay -o name -f -']);
    expect((ops[0] as { stdin: string }).stdin).to.equal(`${JSON.stringify(cm({ a: '2' }))}\n`);
  });

  it('force_conflicts and namespace reach kubectl', () => {
    const p = planK8s(state([cm({ a: '2' }, null)], [null], [{ obj: served(cm({ a: '2' }, 'demo')) }]), A({ force_conflicts: true, namespace: 'demo' }), false);
    expect((p.changes[0]!.ops[0] as { cmd: string[] }).cmd).to.deep.equal(['/usr/local/bin/kubectl', '--kubeconfig', '/etc/kubernetes/admin.conf', '-n', 'demo', 'apply', '--server-side', '--field-manager=kplay', '--force-conflicts', '-o', 'name', '-f', '-']);
    expect(p.changes[0]!.summary).to.equal('create ConfigMap demo/settings');
  });

  it('a new object: create, the diff is the dry-run result', () => {
    const p = planK8s(state([cm({ a: '1' })], [null], [{ obj: served(cm({ a: '1' })) }]), A(), true);
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['create ConfigMap demo/settings']);
    expect(p.changes[0]!.diff!.before).to.equal('');
    expect(p.changes[0]!.diff!.after).to.include("a: '1'").and.not.include('uid');
  });

  it('a dry run that fails only because the namespace or CRD comes with this apply: create from the manifest', () => {
    const p = planK8s(
      state([ns, crd, widget], [null, null, null], [{ obj: served(ns) }, { obj: served(crd) }, { error: 'resource mapping not found for name: "w" namespace: "demo" from "STDIN": no matches for kind "Widget" in version "x.io/v1"' }]),
      A(),
      true,
    );
    expect(p.failed).to.equal(undefined);
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['create Namespace demo', 'create CustomResourceDefinition widgets.x.io', 'create Widget demo/w']);
    expect(p.changes[2]!.diff!.after).to.include('size: 1');
  });

  it('Namespaces and CRDs applied first, the CRDs Established, then the rest, then the waits', () => {
    const p = planK8s(state([ns, crd, widget, deploy], [null, null, null, null], [{ obj: ns }, { obj: crd }, { error: 'namespaces "demo" not found' }, { error: 'namespaces "demo" not found' }]), A({ wait: true, wait_timeout: 30 }), false);
    const ops = p.changes.flatMap((c) => c.ops);
    expect(execs(ops)).to.deep.equal([
      'apply --server-side --field-manager=kplay -o name -f -',
      'wait --for=condition=Established --timeout=30s -f -',
      'apply --server-side --field-manager=kplay -o name -f -',
      'wait --for=condition=Established --timeout=30s -f -',
      'rollout status --timeout=30s -f -',
    ]);
    expect((ops[0] as { stdin: string }).stdin.trim().split('\n').map((l) => (JSON.parse(l) as K8sObject).kind)).to.deep.equal(['Namespace', 'CustomResourceDefinition']);
    expect((ops[2] as { stdin: string }).stdin.trim().split('\n').map((l) => (JSON.parse(l) as K8sObject).kind)).to.deep.equal(['Widget', 'Deployment']);
    // waits name objects only
    expect(JSON.parse((ops[4] as { stdin: string }).stdin)).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' } });
  });

  it('wait_condition waits on every object, also unchanged ones when another changed', () => {
    const p = planK8s(state([cm({ a: '1' }), deploy], [served(cm({ a: '1' })), null], [{ obj: served(cm({ a: '1' })) }, { obj: served(deploy) }]), A({ wait_condition: { type: 'Available' } }), false);
    const ops = p.changes.flatMap((c) => c.ops);
    expect(execs(ops)[1]).to.equal('wait --for=condition=Available=True --timeout=120s -f -');
    expect((ops[1] as { stdin: string }).stdin.trim().split('\n')).to.have.length(2);
  });

  it('a dry-run error on an existing object (a conflict) fails the task with it', () => {
    const p = planK8s(state([cm({ a: '2' })], [served(cm({ a: '1' }))], [{ error: 'Apply failed with 1 conflict: conflict with "other": .data.a' }]), A(), false);
    expect(p.failed).to.equal('ConfigMap demo/settings: Apply failed with 1 conflict: conflict with "other": .data.a');
    expect(p.changes).to.deep.equal([]);
  });

  it('an unreachable cluster: check plans every object as created from the manifest (after the task that provides it); a real run fails', () => {
    const s = state([cm({ a: '1' })], [null], [null], { unreachable: { reason: 'the kubeconfig /etc/kubernetes/admin.conf is not on the host', after: 'Admin kubeconfig' } });
    const c = planK8s(s, A(), true);
    expect(c.changes.map((x) => [x.summary, x.after])).to.deep.equal([['create ConfigMap demo/settings (the cluster is not reachable: the kubeconfig /etc/kubernetes/admin.conf is not on the host)', 'Admin kubeconfig']]);
    expect(c.changes[0]!.ops).to.deep.equal([]);
    expect(planK8s(s, A(), false).failed).to.match(/^cannot reach the cluster: the kubeconfig/);
    expect(planK8s(s, A({ state: 'absent' }), true)).to.deep.include({ changes: [] });
  });

  it('a wait that failed while reading fails the task without changes', () => {
    const p = planK8s(state([deploy], [served(deploy)], [{ obj: served(deploy) }], { waitFailed: 'rollout status: timed out' }), A({ wait: true }), false);
    expect(p).to.deep.include({ failed: 'rollout status: timed out', changes: [] });
  });

  it('state absent: deletes the existing objects in reverse order, by reference only (no Secret data to kubectl), then waits when asked', () => {
    const s = state([ns, cm({ a: '1' }), secret({ password: 'c2VjcmV0' })], [served(ns), null, served(secret({ password: 'c2VjcmV0' }))], [null, null, null]);
    const p = planK8s(s, A({ state: 'absent', wait: true }), false);
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['delete Secret demo/creds', 'delete Namespace demo']);
    expect(p.result).to.deep.include({ deleted: ['Secret demo/creds', 'Namespace demo'] });
    const ops = p.changes.flatMap((c) => c.ops);
    expect(execs(ops)).to.deep.equal(['delete --ignore-not-found --wait=false -f -', 'wait --for=delete --timeout=120s -f -']);
    expect(JSON.stringify(ops)).not.to.include('c2VjcmV0');
    expect(p.changes[0]!.diff!.before).to.include(`password: ${MASKED}`).and.not.include('c2VjcmV0');
    expect(p.changes[0]!.diff!.after).to.equal('');
    expect(planK8s(state([cm({ a: '1' })], [null], [null]), A({ state: 'absent' }), false).changes).to.deep.equal([]);
  });
});

describe('k8s Secret masking', () => {
  it('unchanged values <masked>, changed and new ones <masked, changed>, never the value', () => {
    const before = secret({ same: 'AAAA', old: 'BBBB' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"same":"AAAA"}}', team: 'x' } });
    const after = secret({ same: 'AAAA', old: 'CCCC', added: 'DDDD' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"same":"AAAA"}}', team: 'x' } });
    const [b, a] = maskPair(before, after);
    expect(b!.data).to.deep.equal({ same: MASKED, old: MASKED });
    expect(a!.data).to.deep.equal({ same: MASKED, old: MASKED_CHANGED, added: MASKED_CHANGED });
    expect(a!.metadata.annotations).to.deep.equal({ 'kubectl.kubernetes.io/last-applied-configuration': MASKED, team: 'x' });
    expect(JSON.stringify([b, a])).not.to.match(/AAAA|BBBB|CCCC|DDDD/);
    // the inputs are left alone
    expect(before.data).to.deep.equal({ same: 'AAAA', old: 'BBBB' });
  });

  it('a created Secret: every value <masked>, stringData too', () => {
    const [, a] = maskPair(undefined, { ...secret({ k: 'AAAA' }), stringData: { p: 'plain' } });
    expect(a!.data).to.deep.equal({ k: MASKED });
    expect(a!.stringData).to.deep.equal({ p: MASKED });
  });

  it('the plan of a changed Secret shows the change masked', () => {
    const p = planK8s(state([secret({ k: 'TkVX' })], [served(secret({ k: 'T0xE' }))], [{ obj: served(secret({ k: 'TkVX' })) }]), A(), true);
    expect(p.changes[0]!.diff!.before).to.include(`k: ${MASKED}`);
    expect(p.changes[0]!.diff!.after).to.include(`k: ${MASKED_CHANGED}`);
    expect(JSON.stringify(p.changes.map((c) => c.diff))).not.to.match(/TkVX|T0xE/);
  });

  it('other kinds are shown as they are', () => {
    const [b, a] = maskPair(cm({ a: '1' }), cm({ a: '2' }));
    expect(a!.data).to.deep.equal({ a: '2' });
    expect(b!.data).to.deep.equal({ a: '1' });
  });
});

describe('k8s manifests', () => {
  it('reads documents, Lists and lists; skips empty documents; Namespaces and CRDs go first', () => {
    const text = '---\n# nothing\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: x.io/v1, kind: Widget, metadata: {name: w}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: n}}\n---\n{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.x.io"}}\n';
    const objs = flattenObjects([text, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }], 'm.yaml');
    expect(objs.map((o) => o.kind)).to.deep.equal(['Widget', 'Namespace', 'CustomResourceDefinition', 'ConfigMap']);
    expect(applyOrder(objs).map((o) => o.kind)).to.deep.equal(['Namespace', 'CustomResourceDefinition', 'Widget', 'ConfigMap']);
  });

  it('an object without a name, kind or apiVersion is an error naming the source', () => {
    expect(() => flattenObjects({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } }, 'a.yaml')).to.throw(/a.yaml: ConfigMap without metadata.name/);
    expect(() => flattenObjects({ metadata: { name: 'x' } }, 'b.yaml')).to.throw(/b.yaml: an object without apiVersion and kind/);
    expect(() => flattenObjects(['x'], 'c.yaml')).to.throw(/c.yaml: a Kubernetes object must be a mapping/);
  });
});

describe('k8s read output', () => {
  const N = 'abc';
  const section = (label: string, rc: number, out: string, err = '') => `${out}\nKP-${N}-END ${label} ${rc}\n${err}\nKP-${N}-ERR\n`;
  const list = (items: K8sObject[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

  it('batch get and dry run: objects matched by kind, name and namespace (the default one when the manifest names none)', () => {
    const objs = [cm({ a: '1' }, null), ns];
    const out = section('get', 0, list([served(ns)])) + section('dry', 0, list([served(cm({ a: '1' }, null)), served(ns)]));
    const r = interpret(objs, parseSections(out, N).sections);
    expect(r.live.map((o) => o?.kind ?? null)).to.deep.equal([null, 'Namespace']);
    expect(r.dry.map((d) => (d && 'obj' in d ? d.obj.metadata.namespace ?? '-' : d))).to.deep.equal(['default', '-']);
  });

  it('per object after a failed batch: an unknown kind is absent, another error is kept; a single dry-run object is not a List', () => {
    const objs = [crd, widget, cm({ a: '1' })];
    const out =
      section('get', 1, '', 'error: resource mapping not found for name: "w"') +
      section('get.0', 0, list([])) +
      section('get.1', 1, '', 'error: resource mapping not found for name: "w" namespace: "demo" from "STDIN": no matches for kind "Widget" in version "x.io/v1"\nensure CRDs are installed first') +
      section('get.2', 1, '', 'Error from server (Forbidden): configmaps "settings" is forbidden') +
      section('dry', 1, '', 'error: resource mapping not found') +
      section('dry.0', 0, JSON.stringify(served(crd))) +
      section('dry.1', 1, '', 'error: no matches for kind "Widget"') +
      section('dry.2', 1, '', 'Error from server (Forbidden): nope');
    const r = interpret(objs, parseSections(out, N).sections);
    expect(r.live).to.deep.equal([null, null, null]);
    expect(r.readErrors).to.deep.equal([undefined, undefined, 'Error from server (Forbidden): configmaps "settings" is forbidden']);
    expect(r.dry[0]).to.have.property('obj');
    expect(r.dry[1]).to.deep.equal({ error: 'error: no matches for kind "Widget"' });
  });

  it('an unreachable apiserver, a missing kubectl or kubeconfig', () => {
    const e = 'E1207 13:58:57.681344   27985 memcache.go:265] "Unhandled Error"\nerror: unable to recognize "STDIN": Get "https://127.0.0.1:1/api?timeout=32s": dial tcp 127.0.0.1:1: connect: connection refused';
    const r = interpret([cm({})], parseSections(section('get', 1, '', e), N).sections);
    expect(r.unreachable).to.deep.equal({ reason: 'error: unable to recognize "STDIN": Get "https://127.0.0.1:1/api?timeout=32s": dial tcp 127.0.0.1:1: connect: connection refused' });
    expect(parseSections(`KP-${N} NOKUBECTL\n`, N).missing).to.equal('kubectl');
    expect(parseSections(`KP-${N} NOKUBECONFIG\n`, N).missing).to.equal('kubeconfig');
  });

  it('the read script quotes its paths, reads the manifest from stdin only, and dry-runs only for state present', () => {
    const s = readScript(A({ kubeconfig: "/etc/k 8s/it's.conf", namespace: 'demo' }), N, true);
    expect(s).to.include(`KC='/etc/k 8s/it'\\''s.conf'`);
    expect(s).to.include('m=$(cat)');
    expect(s).to.include('--dry-run=server --field-manager=kplay');
    expect(readScript(A(), N, false)).not.to.include('--dry-run');
  });
});
