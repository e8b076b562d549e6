/** kubeconfig YAML in kubectl's own layout (keys sorted as `kubectl config view` prints them). Pure. */

export interface KubeconfigData {
  cluster: string;
  server: string;
  caPem: string;
  user: string;
  context: string;
  namespace?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~|[-+]?[0-9][0-9._:eE+-]*|\.inf|\.nan)$/i;

/** A YAML scalar: plain when unambiguous, else JSON-quoted (JSON strings are valid YAML). */
export function yamlScalar(s: string): string {
  if (/^[A-Za-z0-9_/.@-][A-Za-z0-9_/.:@=+-]*$/.test(s) && !RESERVED.test(s) && !/:$/.test(s)) return s;
  return JSON.stringify(s);
}

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

export function renderKubeconfig(d: KubeconfigData): string {
  const q = yamlScalar;
  const lines = [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(d.caPem)}`,
    `    server: ${q(d.server)}`,
    `  name: ${q(d.cluster)}`,
    'contexts:',
    '- context:',
    `    cluster: ${q(d.cluster)}`,
    ...(d.namespace ? [`    namespace: ${q(d.namespace)}`] : []),
    `    user: ${q(d.user)}`,
    `  name: ${q(d.context)}`,
    `current-context: ${q(d.context)}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${q(d.user)}`,
    '  user:',
    ...(d.clientCertPem ? [`    client-certificate-data: ${b64(d.clientCertPem)}`] : []),
    ...(d.clientKeyPem ? [`    client-key-data: ${b64(d.clientKeyPem)}`] : []),
    ...(d.token ? [`    token: ${q(d.token)}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
