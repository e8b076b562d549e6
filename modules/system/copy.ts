/** copy: put a file (inline content, a controller file or directory, or a file already on the host) at dest. */
import { Type, type Static } from '@sinclair/typebox';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { defineModule, type ReadContext, type Plan } from '../api.ts';
import { runProbe } from '../facts/batch.ts';
import { statPlanned } from '../facts/planned-stat.ts';
import { groupSchema, modeSchema, ownerSchema } from './common/schema.ts';
import { modeError } from './common/mode.ts';
import { MAX_DIFF_BYTES } from './common/diff.ts';
import { planPut, readDestOrInside, readDests, type PutState, type Source, type Wanted } from './common/put-file.ts';

const schema = Type.Object(
  {
    dest: Type.String({ description: 'Remote path. Ending with / (or an existing directory): the file goes inside it under the source\'s name.' }),
    src: Type.Optional(
      Type.String({
        description:
          "Controller file or directory, searched in the role's files/ then beside the playbook. A directory is copied recursively: 'dir/' copies its contents, 'dir' the directory itself. With remote_src: a file on the host.",
      }),
    ),
    content: Type.Optional(Type.String({ description: 'The file content, instead of src.' })),
    remote_src: Type.Optional(Type.Boolean({ description: 'src is a regular file on the host, not on the controller.', default: false })),
    mode: Type.Optional(modeSchema),
    owner: Type.Optional(ownerSchema),
    group: Type.Optional(groupSchema),
    backup: Type.Optional(Type.Boolean({ description: 'Keep the replaced file as DEST.<timestamp>~.', default: false })),
    validate: Type.Optional(Type.String({ description: "Command run on the new file before it replaces dest; %s is the temp file's path. Non-zero exit aborts the write." })),
    force: Type.Optional(Type.Boolean({ description: 'false: only write when dest does not exist yet.', default: true })),
  },
  { additionalProperties: false },
);

export type CopyArgs = Static<typeof schema>;

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function localSource(path: string): Promise<Source> {
  const size = statSync(path).size;
  if (size <= MAX_DIFF_BYTES) {
    // read once and hash the bytes in hand: a hashing stream costs every host several thread-pool hops
    // and events on a busy controller (10 hosts reading a 100-byte source: 2 ms of event-loop time → 0.2 ms)
    const content = readFileSync(path);
    return { kind: 'local', localPath: path, size, sha256: createHash('sha256').update(content).digest('hex'), content };
  }
  return { kind: 'local', localPath: path, size, sha256: await fileSha256(path) };
}

/** Every file below a controller directory, as paths relative to it (directories listed too). */
function walk(root: string, rel = ''): { files: string[]; dirs: string[] } {
  const out = { files: [] as string[], dirs: [] as string[] };
  for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      out.dirs.push(r);
      const sub = walk(root, r);
      out.files.push(...sub.files);
      out.dirs.push(...sub.dirs);
    } else out.files.push(r);
  }
  return out;
}

export interface CopyState extends PutState {
  error?: string;
  /** Check mode: src is a controller file that an earlier task of this run would write (cert → PKI dir). */
  pendingSrc?: { localPath: string; by: string; alreadyBy?: string };
}

async function readCopy(ctx: ReadContext, a: CopyArgs): Promise<CopyState> {
  if (a.content !== undefined) {
    if (a.dest.endsWith('/')) return { files: [], dirs: [], error: 'dest must be a file path when content is given' };
    return readDests(ctx, [{ dest: a.dest, source: { kind: 'content', content: Buffer.from(a.content) } }], [], posix.dirname(a.dest));
  }
  const src = a.src!;
  const destDir = a.dest.replace(/\/+$/, '') || '/';
  if (a.remote_src) {
    const source: Source = { kind: 'remote', path: src };
    const inside = { wanted: [{ dest: posix.join(destDir, posix.basename(src)), source }], dirs: a.dest.endsWith('/') ? [destDir] : [] };
    if (a.dest.endsWith('/')) return readDests(ctx, inside.wanted, inside.dirs, undefined);
    return readDestOrInside(ctx, a.dest, { wanted: [{ dest: a.dest, source }], dirs: [], parent: posix.dirname(a.dest) }, inside);
  }
  const local = ctx.findFile('files', src);
  const onController = ctx.controllerFile(local);
  if (onController.plannedBy !== undefined) {
    // an earlier task uploads the same file to dest with the same attributes: nothing left to do
    const there = (await runProbe(ctx, statPlanned(pendingDest(local, a)))).planned;
    const same = there?.source === local && there.mode === attr(a.mode) && there.owner === attr(a.owner) && there.group === attr(a.group);
    return { files: [], dirs: [], pendingSrc: { localPath: local, by: onController.plannedBy, ...(same ? { alreadyBy: there.by } : {}) } };
  }
  if (statSync(local).isDirectory()) {
    // 'dir/' copies the contents; 'dir' copies the directory itself (rsync's rule, and Ansible's)
    const base = src.endsWith('/') ? destDir : posix.join(destDir, basename(local));
    const tree = walk(local);
    const wanted: Wanted[] = [];
    for (const f of tree.files) wanted.push({ dest: posix.join(base, f), source: await localSource(join(local, f)) });
    return readDests(ctx, wanted, [base, ...tree.dirs.map((d) => posix.join(base, d))], undefined);
  }
  const source = await localSource(local);
  const inside = { wanted: [{ dest: posix.join(destDir, basename(local)), source }], dirs: a.dest.endsWith('/') ? [destDir] : [] };
  if (a.dest.endsWith('/')) return readDests(ctx, inside.wanted, inside.dirs, undefined);
  return readDestOrInside(ctx, a.dest, { wanted: [{ dest: a.dest, source }], dirs: [], parent: posix.dirname(a.dest) }, inside);
}

const attr = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

function pendingDest(localPath: string, a: CopyArgs): string {
  return a.dest.endsWith('/') ? posix.join(a.dest, basename(localPath)) : a.dest;
}

/** The content is not known yet (an earlier task writes it), so the change is predicted without a diff. */
function planPendingSource(p: { localPath: string; by: string; alreadyBy?: string }, a: CopyArgs): Plan {
  if (p.alreadyBy) return { changes: [] };
  const dest = pendingDest(p.localPath, a);
  const mode = attr(a.mode);
  return {
    changes: [
      {
        summary: `${dest}: copy of ${p.localPath}, which an earlier task writes`,
        ops: [{ kind: 'putFile', localPath: p.localPath, path: dest, ...(mode ? { mode } : {}), ...(a.owner !== undefined ? { owner: String(a.owner) } : {}), ...(a.group !== undefined ? { group: String(a.group) } : {}) }],
        after: p.by,
      },
    ],
  };
}

export const copy = defineModule({
  name: 'copy',
  schema,
  doc: {
    short: 'Copy a file or directory to the host',
    description:
      'Writes inline content, a controller file (or directory, recursively) or a file already on the host to dest. Idempotent by sha256: unchanged content is not sent. Writes are atomic (a temp file beside dest, renamed). The diff is the unified diff of text content; binary files and files over 1 MiB get a summary only.',
    examples: `- copy: { content: "nameserver 198.18.0.1\\n", dest: /etc/resolv.conf, mode: '0644' }
- copy: { src: kubelet-config.yaml, dest: /var/lib/kubelet/, owner: root }
- copy: { src: /etc/kubernetes/admin.conf, remote_src: true, dest: /root/.kube/config, mode: '0600' }`,
    notes: [
      'The parent directory of dest must exist (or an earlier task must create it); dest ending with / is created.',
      'Content that looks like a private key, or a dest ending in .key, is sensitive: no diff is shown.',
      'remote_src copies one regular file; directories are only copied from the controller.',
      'Without mode, a new file gets 0644 and a replaced file keeps its mode and owner.',
    ],
  },
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    if (a.content === undefined && a.src === undefined) errs.push({ key: 'src', message: 'give src or content' });
    if (a.content !== undefined && a.src !== undefined) errs.push({ key: 'content', message: 'give only one of src and content' });
    if (a.remote_src && a.src === undefined) errs.push({ key: 'remote_src', message: 'remote_src needs src' });
    if (a.mode !== undefined) {
      const e = modeError(a.mode);
      if (e) errs.push({ key: 'mode', message: e });
    }
    return errs;
  },
  localFiles: (a) => (a.src !== undefined && !a.remote_src ? [{ kind: 'files' as const, name: a.src, key: 'src' }] : []),
  read: readCopy,
  plan(s, a) {
    if (s.error) return { changes: [], failed: s.error };
    if (s.pendingSrc) return planPendingSource(s.pendingSrc, a);
    return planPut(s, a);
  },
});
