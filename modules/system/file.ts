/** file: the state of one path — file, directory, symlink, hard link, touched or absent — and its mode and ownership. */
import { Type, type Static } from '@sinclair/typebox';
import { dirname, resolve } from 'node:path/posix';
import { defineModule, type Change, type LedgerEntry, type Plan } from '../api.ts';
import { runProbes, type Probe } from '../facts/batch.ts';
import type { StatInfo } from '../facts/stat.ts';
import { statPlanned, type PlannedStat } from '../facts/planned-stat.ts';
import { identity } from '../facts/command.ts';
import { groupSchema, modeSchema, ownerSchema } from './common/schema.ts';
import { isSymbolic, modeError } from './common/mode.ts';
import { attrChanges, attrOps, pathArg, pathValidate, type Attrs } from './common/attrs.ts';
import { driftProbe } from './probes.ts';

const schema = Type.Object(
  {
    path: Type.Optional(Type.String({ description: 'The path to manage.' })),
    dest: Type.Optional(Type.String({ description: 'Alias of path.' })),
    name: Type.Optional(Type.String({ description: 'Alias of path.' })),
    state: Type.Optional(
      Type.Union([Type.Literal('file'), Type.Literal('directory'), Type.Literal('absent'), Type.Literal('link'), Type.Literal('hard'), Type.Literal('touch')], {
        description:
          'file: must exist, only attributes are set; directory: created with parents; absent: removed (recursively); link/hard: a symbolic/hard link to src; touch: created empty when missing.',
        default: 'file',
      }),
    ),
    src: Type.Optional(Type.String({ description: 'Target of a link (state link or hard). A relative symlink target is relative to the link\'s directory.' })),
    mode: Type.Optional(modeSchema),
    owner: Type.Optional(ownerSchema),
    group: Type.Optional(groupSchema),
    recurse: Type.Optional(Type.Boolean({ description: 'With state directory: apply owner, group and mode to everything below (needs an octal mode).', default: false })),
    force: Type.Optional(
      Type.Boolean({ description: 'link/hard: replace an existing file or directory at path, and allow a link to a src that does not exist (yet).', default: false }),
    ),
  },
  { additionalProperties: false },
);

export type FileArgs = Static<typeof schema>;

export interface FileState {
  path: string;
  st: StatInfo;
  /** src as seen from the link's directory (link and hard only). */
  srcSt?: StatInfo;
  /** What an earlier task of this check run does to path / src when they are missing now. */
  planned?: LedgerEntry;
  srcPlanned?: LedgerEntry;
  /** Something below a recursed directory has other owner/group/mode. */
  recurseDrift?: boolean;
  /** Who creates files in this task (owner of what an earlier task creates, in check mode). */
  me?: { user: string; group: string };
}

function srcPath(a: FileArgs, path: string): string {
  return a.state === 'link' ? resolve(dirname(path), a.src ?? '') : (a.src ?? '');
}

export const file = defineModule({
  name: 'file',
  schema,
  doc: {
    short: 'Manage a file, directory, link or its attributes',
    description:
      'Sets the state of a path: a directory (with parents), a symbolic or hard link, an empty file, or absent; and its mode, owner and group. The diff shows each property as `state: absent → directory`, `mode: 0644 → 0600`.',
    examples: `- file: { path: /etc/kubernetes/pki, state: directory, mode: '0700' }
- file: { src: /opt/cni/bin, dest: /usr/libexec/cni, state: link }
- file: { path: /tmp/old, state: absent }`,
    notes: [
      'touch only changes when the path is missing (or its attributes differ): kplay does not update timestamps, so a second run reports no change (Ansible always reports touch as changed).',
      'Numbers as modes are read as octal digits: YAML 1.2 reads `0644` as 644, which kplay treats as 0644.',
      'In check mode a link to a src that an earlier task creates is planned from that task ("after: <task>") instead of failing.',
      'recurse needs an octal mode (a symbolic mode cannot be compared without applying it).',
    ],
  },
  validate(a) {
    const errs = pathValidate(a);
    if (a.mode !== undefined) {
      const e = modeError(a.mode);
      if (e) errs.push({ key: 'mode', message: e });
      else if (a.recurse && isSymbolic(a.mode)) errs.push({ key: 'mode', message: 'recurse needs an octal mode' });
    }
    if ((a.state === 'link' || a.state === 'hard') && a.src === undefined) errs.push({ key: 'src', message: `state ${a.state} needs src` });
    if (a.src !== undefined && a.state !== 'link' && a.state !== 'hard') errs.push({ key: 'src', message: 'src is only used with state link or hard' });
    if (a.recurse && a.state !== 'directory') errs.push({ key: 'recurse', message: 'recurse is only used with state directory' });
    return errs;
  },
  async read(ctx, a): Promise<FileState> {
    const path = pathArg(a);
    const state = a.state ?? 'file';
    const follow = state === 'file' || state === 'directory' || state === 'touch';
    const probes: Record<string, Probe<unknown>> = { st: statPlanned(path, follow) };
    if (state === 'link' || state === 'hard') probes.srcSt = statPlanned(srcPath(a, path), true);
    if (a.recurse && (a.owner !== undefined || a.group !== undefined || a.mode !== undefined)) probes.drift = driftProbe(path, a);
    if (ctx.check && (a.owner !== undefined || a.group !== undefined)) probes.me = identity();
    const r = (await runProbes(ctx, probes)) as { st: PlannedStat; srcSt?: PlannedStat; drift?: boolean; me?: { user: string; group: string } };
    const s: FileState = { path, st: r.st.st, ...(r.srcSt ? { srcSt: r.srcSt.st } : {}), ...(r.drift !== undefined ? { recurseDrift: r.drift } : {}), ...(r.me ? { me: r.me } : {}) };
    // check mode: a missing path (or src) is what an earlier task of the run makes of it
    if (!r.st.st.exists && r.st.planned) s.planned = r.st.planned;
    if (r.srcSt && !r.srcSt.st.exists && r.srcSt.planned && r.srcSt.planned.state !== 'absent') s.srcPlanned = r.srcSt.planned;
    return s;
  },
  plan: planFile,
});

function stateChange(path: string, before: string, after: string, ops: Change['ops'], extra: Partial<Change> = {}, note = ''): Change {
  return { summary: `${path}: ${before} → ${after}${note}`, ops, diff: { path, before: `state: ${before}\n`, after: `state: ${after}\n` }, ...extra };
}

/** The attributes a path has now, or would have after an earlier task of this check run. */
function currentAttrs(s: FileState): { attrs?: Attrs; after?: string } {
  if (s.st.exists) return { attrs: s.st };
  if (s.planned && s.planned.state !== 'absent') {
    const l = s.planned;
    const owner = l.owner ?? s.me?.user;
    const group = l.group ?? s.me?.group;
    return { attrs: { ...(l.mode ? { mode: l.mode } : {}), ...(owner ? { owner } : {}), ...(group ? { group } : {}) }, after: l.by };
  }
  return {};
}

export function planFile(s: FileState, a: FileArgs): Plan {
  const path = s.path;
  const state = a.state ?? 'file';
  const result = { path, state };
  const present = s.st.exists ? s.st.type : s.planned && s.planned.state !== 'absent' ? s.planned.state : 'absent';
  const after = !s.st.exists && s.planned ? s.planned.by : undefined;
  const tag = after ? { after } : {};

  switch (state) {
    case 'absent': {
      if (present === 'absent') return { changes: [], result };
      return { changes: [stateChange(path, present, 'absent', [{ kind: 'remove', path, recursive: present === 'directory' }], tag)], result };
    }
    case 'directory': {
      if (present === 'absent') {
        const ops = [{ kind: 'exec' as const, cmd: ['mkdir', '-p', '--', path] }, ...attrOps(path, a, undefined, true)];
        return { changes: [stateChange(path, 'absent', 'directory', ops, { effects: [{ kind: 'path', path, state: 'directory', ...(a.mode !== undefined && !isSymbolic(a.mode) ? { mode: attrMode(a) } : {}), ...ownedBy(a) }] }, attrNote(a))], result };
      }
      if (present !== 'directory') return { changes: [], failed: `${path} exists and is a ${present}, not a directory`, result };
      const cur = currentAttrs(s);
      const changes = attrChanges(path, a, cur.attrs, true).map((c) => (cur.after ? { ...c, after: cur.after } : c));
      if (s.recurseDrift) changes.push(recurseChange(path, a));
      return { changes, result };
    }
    case 'file': {
      if (present === 'absent') return { changes: [], failed: `file ${path} does not exist (use state: touch to create it, or directory)`, result };
      if (present === 'directory') return { changes: [], failed: `${path} is a directory, not a file`, result };
      const cur = currentAttrs(s);
      return { changes: attrChanges(path, a, cur.attrs, false).map((c) => (cur.after ? { ...c, after: cur.after } : c)), result };
    }
    case 'touch': {
      if (present === 'absent') {
        const ops = [{ kind: 'exec' as const, cmd: ['touch', '--', path] }, ...attrOps(path, a, undefined, false)];
        return { changes: [stateChange(path, 'absent', 'file', ops, { effects: [{ kind: 'path', path, state: 'file', content: '', ...(a.mode !== undefined && !isSymbolic(a.mode) ? { mode: attrMode(a) } : {}), ...ownedBy(a) }] }, attrNote(a))], result };
      }
      const cur = currentAttrs(s);
      return { changes: attrChanges(path, a, cur.attrs, present === 'directory').map((c) => (cur.after ? { ...c, after: cur.after } : c)), result };
    }
    case 'link':
      return planLink(s, a, result);
    case 'hard':
      return planHard(s, a, result);
  }
}

function ownedBy(a: FileArgs): { owner?: string; group?: string } {
  return { ...(a.owner !== undefined ? { owner: String(a.owner) } : {}), ...(a.group !== undefined ? { group: String(a.group) } : {}) };
}

function attrNote(a: FileArgs): string {
  const parts = [a.mode !== undefined && `mode ${String(a.mode)}`, a.owner !== undefined && `owner ${a.owner}`, a.group !== undefined && `group ${a.group}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function attrMode(a: FileArgs): string {
  return parseInt(String(a.mode), 8).toString(8).padStart(4, '0');
}

function recurseChange(path: string, a: FileArgs): Change {
  const ops: Change['ops'] = [];
  if (a.owner !== undefined || a.group !== undefined) {
    ops.push({ kind: 'exec', cmd: ['chown', '-R', '--', `${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`, path] });
  }
  if (a.mode !== undefined) ops.push({ kind: 'exec', cmd: ['chmod', '-R', '--', attrMode(a), path] });
  return { summary: `${path}: set ${[a.owner !== undefined && 'owner', a.group !== undefined && 'group', a.mode !== undefined && 'mode'].filter(Boolean).join(', ')} recursively`, ops };
}

function planLink(s: FileState, a: FileArgs, result: Record<string, unknown>): Plan {
  const path = s.path;
  const src = a.src!;
  const st = s.st;
  if (st.exists && st.type === 'link' && st.target === src) {
    return { changes: ownerOnlyChanges(path, a, st, true), result };
  }
  const srcKnown = s.srcSt?.exists || s.srcPlanned !== undefined;
  if (!srcKnown && !a.force) return { changes: [], failed: `src ${src} does not exist (use force: true to link to a missing target)`, result };
  const ops: Change['ops'] = [];
  let before = 'absent';
  if (st.exists) {
    if (st.type === 'link') before = `link → ${st.target}`;
    else if (!a.force) return { changes: [], failed: `${path} exists and is a ${st.type}; refusing to replace it with a link (use force: true)`, result };
    else {
      before = st.type;
      ops.push({ kind: 'remove', path, recursive: st.type === 'directory' });
    }
  } else if (s.planned && s.planned.state !== 'absent') {
    before = s.planned.state;
  }
  ops.push({ kind: 'exec', cmd: ['ln', '-sfn', '--', src, path] });
  ops.push(...ownerOps(path, a, true));
  const tag = s.srcPlanned && !s.srcSt?.exists ? { after: s.srcPlanned.by } : {};
  return {
    changes: [{ summary: `${path}: ${before} → link → ${src}`, ops, diff: { path, before: `state: ${before}\n`, after: `state: link → ${src}\n` }, effects: [{ kind: 'path', path, state: 'link' }], ...tag }],
    result,
  };
}

function planHard(s: FileState, a: FileArgs, result: Record<string, unknown>): Plan {
  const path = s.path;
  const src = a.src!;
  const st = s.st;
  const srcSt = s.srcSt;
  if (srcSt?.exists && st.exists && st.inode === srcSt.inode) return { changes: attrChanges(path, a, st, false), result };
  if (!srcSt?.exists && !s.srcPlanned) return { changes: [], failed: `src ${src} does not exist`, result };
  if (st.exists && st.type !== 'file' && !a.force) return { changes: [], failed: `${path} exists and is a ${st.type}; refusing to replace it (use force: true)`, result };
  const ops: Change['ops'] = [];
  if (st.exists && st.type === 'directory') ops.push({ kind: 'remove', path, recursive: true });
  ops.push({ kind: 'exec', cmd: ['ln', '-f', '--', src, path] }, ...attrOps(path, a, srcSt?.exists ? srcSt.mode : undefined, false));
  const before = st.exists ? st.type : 'absent';
  const tag = s.srcPlanned && !srcSt?.exists ? { after: s.srcPlanned.by } : {};
  return {
    changes: [{ summary: `${path}: ${before} → hard link to ${src}`, ops, diff: { path, before: `state: ${before}\n`, after: `state: hard link to ${src}\n` }, effects: [{ kind: 'path', path, state: 'file' }], ...tag }],
    result,
  };
}

/** A symlink's own owner/group (chown -h); its mode means nothing on Linux. */
function ownerOps(path: string, a: FileArgs, link: boolean): Change['ops'] {
  if (a.owner === undefined && a.group === undefined) return [];
  return [{ kind: 'exec', cmd: ['chown', ...(link ? ['-h'] : []), '--', `${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`, path] }];
}

function ownerOnlyChanges(path: string, a: FileArgs, st: Extract<StatInfo, { exists: true }>, link: boolean): Change[] {
  const noMode = { ...a, mode: undefined };
  return attrChanges(path, noMode, st, false).map((c) => ({ ...c, ops: ownerOps(path, a, link) }));
}
