import { Type, type Static } from '@sinclair/typebox';

export const HelmArgs = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Release name.' }),
    chart: Type.Optional(Type.String({ minLength: 1, description: 'Chart reference for helm upgrade --install: a chart directory or .tgz on the host, repo/name, or an oci:// URL. Required with state present.' })),
    chart_version: Type.Optional(
      Type.String({ minLength: 1, description: "The chart version wanted (helm --version). Without it, a chart directory's Chart.yaml version (read on the host) is compared; other charts compare values only." }),
    ),
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'Release namespace (created with --create-namespace).', default: 'default' })),
    values: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The release values (given to helm on stdin as -f -). changed when they differ from `helm get values -o json`.', default: {} })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'present: upgrade --install when the chart version or values differ. absent: helm uninstall.', default: 'present' })),
    wait: Type.Optional(Type.Boolean({ description: 'helm --wait (until the release resources are ready).', default: false })),
    timeout: Type.Optional(Type.Integer({ minimum: 1, description: 'Seconds for helm --timeout.', default: 600 })),
    binary: Type.Optional(Type.String({ minLength: 1, description: 'helm on the host.', default: 'helm' })),
    kubeconfig: Type.Optional(Type.String({ minLength: 1, description: 'Kubeconfig on the host (passed to helm, never read by kplay).', default: '/etc/kubernetes/admin.conf' })),
  },
  { additionalProperties: false },
);

export type HelmArgs = Static<typeof HelmArgs>;
