import { Type, type Static } from '@sinclair/typebox';

export const DEFAULT_NAMESPACE = 'k8s.io';
export const DEFAULT_ADDRESS = '/run/containerd/containerd.sock';

export const ContainerdImageArgs = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      pattern: '^\\S+$',
      description:
        'The image reference the archive holds, as `ctr images ls -q` lists it after the import (registry.k8s.io/pause:3.10.1). A short Docker name (busybox, library/busybox:1.36) matches its docker.io/library/… form.',
    }),
    archive: Type.Optional(Type.String({ minLength: 1, description: 'The image archive on the host (an OCI or docker save tar) for `ctr images import`. Required with state present.' })),
    namespace: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: "containerd namespace (the kubelet's CRI uses k8s.io).", default: DEFAULT_NAMESPACE })),
    ctr: Type.Optional(Type.String({ minLength: 1, description: 'ctr on the host: a path, or a name looked up in PATH.', default: 'ctr' })),
    address: Type.Optional(Type.String({ minLength: 1, description: "containerd's socket (ctr --address); a unix:// prefix is accepted.", default: DEFAULT_ADDRESS })),
    state: Type.Optional(
      Type.Union([Type.Literal('present'), Type.Literal('absent')], {
        description: 'present: import the archive when the image is not listed. absent: `ctr images rm` when it is.',
        default: 'present',
      }),
    ),
  },
  { additionalProperties: false },
);

export type ContainerdImageArgs = Static<typeof ContainerdImageArgs>;
