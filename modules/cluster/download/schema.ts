import { Type, type Static } from '@sinclair/typebox';

export const CHECKSUM_PATTERN = '^(sha256|sha512):([0-9a-fA-F]+|https?://\\S+)$';

export const DownloadArgs = Type.Object(
  {
    url: Type.Union([Type.String({ pattern: '^https?://' }), Type.Array(Type.String({ pattern: '^https?://' }), { minItems: 1 })], {
      description: 'The artifact URL, or a list of mirrors tried in order.',
    }),
    dest: Type.String({ minLength: 1, description: 'Destination file on the host; a directory (ending in `/`, or an existing one) takes the file name from the URL.' }),
    checksum: Type.String({
      pattern: CHECKSUM_PATTERN,
      description: '`sha256:HEX`, `sha512:HEX`, or `sha256:URL` of a checksum file (a bare hash, `HASH  name` lines or SHA256SUMS: the line for the file name is used). Required: kplay never installs an unverified file.',
    }),
    mode: Type.Optional(Type.String({ pattern: '^0?[0-7]{3,4}$', description: 'Mode of the file (e.g. 0755 for a binary). Default 0644.' })),
    owner: Type.Optional(Type.String({ description: 'Owner of the file.' })),
    group: Type.Optional(Type.String({ description: 'Group of the file.' })),
    on_host: Type.Optional(
      Type.Boolean({
        description: 'false (default): the controller fetches once per checksum into its cache and uploads to every host (hosts need no internet). true: each host fetches with curl or wget itself.',
      }),
    ),
    timeout: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Seconds: on the controller, how long a connection may stall; on the host (curl --max-time, wget -T), the limit for one attempt. Default 300.' }),
    ),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'Extra attempts per mirror after a network error or HTTP 5xx (not after 404 or a checksum mismatch). Default 3.' })),
    retry_delay: Type.Optional(Type.Number({ minimum: 0, description: 'Seconds before the first retry; doubles each time (capped at 30). Default 2.' })),
    extract_to: Type.Optional(Type.String({ minLength: 1, description: 'Extract the archive into this directory on the host (with tar, or unzip for zip). Re-extracted when the archive changed or an expected file is missing.' })),
    format: Type.Optional(Type.Union(['tar.gz', 'tar.xz', 'tar', 'zip'].map((f) => Type.Literal(f)), { description: 'Archive format; default from the file name (.tar.gz/.tgz, .tar.xz/.txz, .tar, .zip).' })),
    include: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Archive members to extract (names as in the archive, before strip_components). Default: all.' })),
    strip_components: Type.Optional(Type.Integer({ minimum: 0, description: 'Drop this many leading path components of each member (tar only).' })),
  },
  { additionalProperties: false },
);

export type DownloadArgs = Static<typeof DownloadArgs>;
