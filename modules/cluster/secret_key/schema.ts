import { Type, type Static } from '@sinclair/typebox';

export const SecretKeyArgs = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'The key file on the controller: one line, the base64 of `size` random bytes, mode 0600. Relative: in pki_dir.' }),
    size: Type.Optional(Type.Integer({ minimum: 16, maximum: 64, description: 'Random bytes of a new key. Default 32 (secretbox, aescbc/aesgcm 256).' })),
    recover_from: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'An EncryptionConfiguration file on the host (e.g. /etc/kubernetes/pki/encryption-config.yaml). When the controller has no key, the key named `recover_key` is read back from it; when both exist and differ, the task fails.',
      }),
    ),
    recover_key: Type.Optional(Type.String({ minLength: 1, description: 'Name of the key in recover_from (any provider). Default `key1`.' })),
    create: Type.Optional(Type.Boolean({ description: 'Create a new random key when the controller has none (and recover_from has none). Default true; false only recovers.' })),
    pki_dir: Type.Optional(Type.String({ description: 'Directory of a relative path (default: the run\'s pki dir).' })),
  },
  { additionalProperties: false },
);

export type SecretKeyArgs = Static<typeof SecretKeyArgs>;
