import { Type, type Static } from '@sinclair/typebox';

const Material = (what: string) =>
  Type.String({
    minLength: 1,
    description: `${what}: a name in pki_dir (NAME.pem, cfssl names), a path (absolute, or relative to pki_dir), or the PEM data itself.`,
  });

export const KubeconfigArgs = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'Where the kubeconfig goes on the host (written atomically, mode 0600 by default).' }),
    server: Type.String({ pattern: '^https?://', description: 'API server URL, e.g. https://127.0.0.1:6443 or the load-balancer VIP.' }),
    cluster: Type.Optional(Type.String({ minLength: 1, description: 'Cluster entry name. Default `kubernetes`.' })),
    ca: Type.Optional(Material('Cluster CA certificate (embedded as certificate-authority-data). Default `ca`')),
    client_cert: Type.Optional(Material('Client certificate (embedded as client-certificate-data)')),
    client_key: Type.Optional(Material('Client key (embedded as client-key-data). Default: NAME-key.pem when client_cert is a name')),
    token: Type.Optional(Type.String({ minLength: 1, description: 'Bearer token instead of a client certificate (secret: redacted in diffs).' })),
    user: Type.Optional(Type.String({ minLength: 1, description: 'User entry name. Default: the client certificate name, else `default`.' })),
    context: Type.Optional(Type.String({ minLength: 1, description: 'Context name, also the current-context. Default `default`.' })),
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'Default namespace of the context.' })),
    pki_dir: Type.Optional(Type.String({ description: 'Controller PKI directory (default: the run\'s pki dir).' })),
    owner: Type.Optional(Type.String({ description: 'Owner of the file.' })),
    group: Type.Optional(Type.String({ description: 'Group of the file.' })),
    mode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3}$', description: 'File mode. Default 0600.' })),
  },
  { additionalProperties: false },
);

export type KubeconfigArgs = Static<typeof KubeconfigArgs>;
