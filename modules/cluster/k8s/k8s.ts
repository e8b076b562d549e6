/**
 * k8s: apply Kubernetes objects with server-side apply (field manager `kplay`) by running kubectl
 * on the host, or delete them; wait for CRDs, rollouts or a condition. Changed only when the live
 * object would change (server-side dry run against the live object); check mode runs the same
 * read-only dry run, or plans from the rendered objects when the cluster is not reachable yet.
 */
import { defineModule } from '../../api.ts';
import { planK8s, type K8sState } from './plan.ts';
import { readK8s } from './read.ts';
import { K8sArgs } from './schema.ts';

export const k8s = defineModule({
  name: 'k8s',
  schema: K8sArgs,
  doc: {
    short: 'Apply or delete Kubernetes objects with kubectl server-side apply on the host, and wait for them',
    description: [
      'Runs kubectl on the host (the client role installs it on control planes) with `kubeconfig`; kplay never reads the kubeconfig.',
      'state present: `kubectl apply --server-side --field-manager=kplay` of the objects that would change. Before that, the live objects (`kubectl get -o json`) and a server-side dry run are read; an object counts as changed only when the dry run differs from the live object (managedFields, resourceVersion, generation, creationTimestamp, uid and status ignored), so a second run reports changed=0.',
      'Namespaces and CustomResourceDefinitions are applied first; when other objects come with them, the CRDs are waited Established before the rest.',
      'state absent: `kubectl delete --wait=false` of the objects that exist (with wait: until they are gone).',
      'Check mode runs the same read-only reads. When the cluster is not reachable (kubectl or the kubeconfig missing, the apiserver down, e.g. a fresh cluster in a site.yml --check), every object is reported as "would create" from the manifest.',
      '--diff shows each object before → after as YAML. Secret data and stringData values (and the last-applied annotation) are masked: `<masked>`, or `<masked, changed>` when the value changes.',
      'Registered: created, configured, unchanged, deleted (lists of "Kind namespace/name").',
    ].join('\n'),
    examples: [
      '- k8s:',
      '    src: addons/metrics-server/   # every *.yaml/*.yml/*.json/*.hbs in it',
      '    wait: true',
      '- k8s:',
      '    definition:',
      '      apiVersion: rbac.authorization.k8s.io/v1',
      '      kind: ClusterRoleBinding',
      '      metadata: { name: "kplay:apiserver-kubelet-client" }',
      '      roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:kubelet-api-admin" }',
      '      subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client }]',
      '- k8s: { src: old-addon.yaml, state: absent }',
    ].join('\n'),
    notes: [
      'A conflict with another field manager fails the task unless force_conflicts: true.',
      'Objects must have metadata.name (generateName is not supported).',
    ],
  },
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    if ((a.src === undefined) === (a.definition === undefined)) errs.push({ key: 'src', message: 'give exactly one of src and definition' });
    if (a.state === 'absent' && a.wait_condition) errs.push({ key: 'wait_condition', message: 'wait_condition is for state present (state absent with wait: true waits until the objects are gone)' });
    return errs;
  },
  localFiles: (a) => (a.src ? [{ kind: a.src.endsWith('.hbs') ? ('templates' as const) : ('files' as const), name: a.src, key: 'src' }] : []),
  read: readK8s,
  plan: (s: K8sState, a, pc) => planK8s(s, a, pc.check),
});
