import { Type, type Static } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../pki/duration.ts';

const Duration = (description: string) =>
  Type.Union([Type.String({ pattern: DURATION_PATTERN }), Type.Integer({ minimum: 1 })], { description });

export const CertArgs = Type.Object(
  {
    kind: Type.Union([Type.Literal('ca'), Type.Literal('cert'), Type.Literal('keypair')], {
      description:
        '`ca`: a self-signed CA, created when absent and never regenerated. `cert`: a key and a certificate signed by `ca`. `keypair`: an RSA key pair without certificate (the service-account key: NAME.key + NAME.pub).',
    }),
    name: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        description:
          'File base name in pki_dir: NAME.pem + NAME-key.pem (cfssl names) for ca and cert, NAME.key + NAME.pub (kubeadm names) for keypair. Default `ca` for kind ca, `sa` for keypair; required for cert.',
      }),
    ),
    pki_dir: Type.Optional(Type.String({ description: 'Controller directory holding the PKI (default: the run\'s pki dir, `<inventory>/pki`).' })),
    ca: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'kind cert: name of the signing CA in pki_dir (NAME.pem + NAME-key.pem). Default `ca`.' })),
    common_name: Type.Optional(Type.String({ minLength: 1, description: 'Subject CN (required for ca and cert).' })),
    organization: Type.Optional(Type.Array(Type.String(), { description: 'Subject O values (Kubernetes groups for client certs).' })),
    organizational_unit: Type.Optional(Type.Array(Type.String(), { description: 'Subject OU values.' })),
    dns_names: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'DNS subject alternative names (compared as a set).' })),
    ip_addresses: Type.Optional(Type.Array(Type.String({ minLength: 2 }), { description: 'IP subject alternative names, IPv4 or IPv6 (compared as a set).' })),
    usages: Type.Optional(
      Type.Array(
        Type.Union([Type.Literal('server_auth'), Type.Literal('client_auth'), Type.Literal('digital_signature'), Type.Literal('key_encipherment')]),
        {
          description:
            'kind cert: key usages. digital_signature and key_encipherment are always included (cfssl `signing`, `key encipherment`); add server_auth and/or client_auth. Required for kind cert.',
        },
      ),
    ),
    validity: Type.Optional(Duration('Lifetime: `8760h`, `365d`, `10y` or a number of days. Default 87600h (10 y) for a CA, 8760h (1 y) for a cert.')),
    renew_before: Type.Optional(Duration('kind cert: re-issue when the certificate expires within this long. Default 30d.')),
    key_algorithm: Type.Optional(Type.Union([Type.Literal('rsa'), Type.Literal('ecdsa')], { description: 'Key algorithm of a new key: rsa (default) or ecdsa. An existing key of another algorithm or size is replaced at the next issue.' })),
    key_size: Type.Optional(
      Type.Union([Type.Literal(2048), Type.Literal(3072), Type.Literal(4096), Type.Literal(256), Type.Literal(384)], {
        description: 'Key size in bits: 2048 (default), 3072 or 4096 for rsa; 256 (P-256, default) or 384 (P-384) for ecdsa.',
      }),
    ),
    copy_to: Type.Optional(Type.String({ description: 'Install on the host into this directory as well (certificate 0644, key 0600). For a CA only the certificate is installed.' })),
    cert_file: Type.Optional(Type.String({ description: 'File name of the certificate under copy_to (default NAME.pem, e.g. `apiserver.crt` for the kubeadm layout; for keypair NAME.pub).' })),
    key_file: Type.Optional(Type.String({ description: 'File name of the key under copy_to (default NAME-key.pem, e.g. `apiserver.key`; for keypair NAME.key).' })),
    owner: Type.Optional(Type.String({ description: 'Owner of the installed files (copy_to).' })),
    group: Type.Optional(Type.String({ description: 'Group of the installed files (copy_to).' })),
    key_mode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3}$', description: 'Mode of the installed key (default 0600).' })),
    cert_mode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3}$', description: 'Mode of the installed certificate or public key (default 0644).' })),
    on_ca_mismatch: Type.Optional(
      Type.Union([Type.Literal('warn'), Type.Literal('fail')], {
        description: 'kind ca: what to do when the existing CA differs from the arguments (it is never regenerated). Default warn.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type CertArgs = Static<typeof CertArgs>;
