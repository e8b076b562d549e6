import { Type, type Static } from '@sinclair/typebox';

export const K8S_FIELD_MANAGER = 'kplay';

export const K8sArgs = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'present: server-side apply the objects. absent: delete them (changed only when one existed).', default: 'present' })),
    src: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Manifest on the controller: a YAML/JSON file (several documents allowed), a Handlebars template ending in .hbs (rendered with the host's variables, searched in the role's templates/), or a directory whose *.yaml, *.yml, *.json and *.hbs files are read in name order. Searched in the role's files/ then beside the playbook.",
      }),
    ),
    definition: Type.Optional(Type.Unknown({ description: 'Inline objects: one object, a list of objects, a `kind: List`, or a YAML string of documents.' })),
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'Namespace for namespaced objects that name none (kubectl -n); an object naming another namespace is an error.' })),
    kubectl: Type.Optional(Type.String({ minLength: 1, description: 'kubectl on the host.', default: 'kubectl' })),
    kubeconfig: Type.Optional(Type.String({ minLength: 1, description: 'Kubeconfig path on the host (never read by kplay, only passed to kubectl).', default: '/etc/kubernetes/admin.conf' })),
    force_conflicts: Type.Optional(
      Type.Boolean({ description: "Take over fields another field manager owns (kubectl --force-conflicts, Ansible's server_side_apply.force_conflicts). Without it a conflict fails the task.", default: false }),
    ),
    wait: Type.Optional(
      Type.Boolean({
        description:
          'Wait after applying (also when nothing changed): CustomResourceDefinitions until Established, Deployments/DaemonSets/StatefulSets until their rollout is complete, or every object until wait_condition holds; with state absent, until the objects are gone.',
        default: false,
      }),
    ),
    wait_condition: Type.Optional(
      Type.Object(
        {
          type: Type.String({ minLength: 1, description: 'Condition type, e.g. Available, Ready, Established.' }),
          status: Type.Optional(Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], { default: 'True' })),
        },
        { additionalProperties: false, description: 'A condition every object must reach (implies wait).' },
      ),
    ),
    wait_timeout: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds to wait for each object.', default: 120 })),
  },
  { additionalProperties: false },
);

export type K8sArgs = Static<typeof K8sArgs>;
