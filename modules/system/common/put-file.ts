/**
 * The shared core of copy and template: the desired bytes of one or more destination files, the
 * probes that read them (stat + sha256 + content for the diff, all in one round trip), and the pure
 * plan that turns differences into atomic put ops.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Change, LedgerEntry, ReadContext, Op, Plan } from '../../api.ts';
import { runProbes, type Probe } from '../../facts/batch.ts';
import type { StatInfo } from '../../facts/stat.ts';
import { statEachPlanned, type PlannedStat } from '../../facts/planned-stat.ts';
import { checksum } from '../../facts/checksum.ts';
import { fileContent, type FileContent } from '../../facts/content.ts';
import { sourceFile, type SourceFile } from '../../facts/source.ts';
import { eitherLayout, type Branch } from '../../facts/either.ts';
import { contentDiff, isBinary, MAX_DIFF_BYTES } from './diff.ts';
import { attrChanges, type AttrArgs } from './attrs.ts';
import { resolveMode } from './mode.ts';
import { groupMatches, ownerMatches } from './owner.ts';
import { quote as q } from '../../../engine/transport/quote.ts';

/** Where the bytes of one destination come from. */
export type Source =
  | { kind: 'content'; content: Buffer }
  | { kind: 'local'; localPath: string; size: number; sha256: string; /** Small text files, for the diff. */ content?: Buffer }
  | { kind: 'remote'; path: string };

export interface Wanted {
  dest: string;
  source: Source;
}

export interface PutOptions extends AttrArgs {
  force?: boolean;
  backup?: boolean;
  validate?: string;
  /** Mark changes sensitive (keys): no diff is ever shown. */
  sensitive?: boolean;
}

export interface DestState {
  dest: string;
  source: Source;
  st: StatInfo;
  sha256?: string;
  before?: FileContent;
  /** For remote sources: the source's checksum and content, read on the host. */
  srcSha256?: string;
  srcContent?: FileContent;
  /** The remote source exists only after an earlier task of this check run. */
  srcAfter?: string;
  /** dest is missing now; what an earlier task of this check run makes of it. */
  planned?: LedgerEntry;
}

export interface PutState {
  files: DestState[];
  /** Directories to create (directory copies, dest ending with /), with what exists now. */
  dirs: { path: string; st: StatInfo; planned?: LedgerEntry }[];
  /** The destination's parent is missing and no earlier task creates it. */
  missingParent?: string;
  /** An earlier task of this check run creates the parent directory. */
  parentAfter?: string;
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** What to read for one layout of the destination: files, directories to create, the parent that must exist. */
export interface DestLayout {
  wanted: Wanted[];
  dirs: string[];
  parent?: string;
}

/** Every path the layout stats: the destinations, then the directories, then the parent. */
function statPaths(l: DestLayout): string[] {
  return [...l.wanted.map((w) => w.dest), ...l.dirs, ...(l.parent !== undefined ? [l.parent] : [])];
}

function layoutProbes(ctx: ReadContext, l: DestLayout, p: string): Record<string, Probe<unknown>> {
  // one run of stat for all of them: each run of a program costs the host a fork and an exec
  const probes: Record<string, Probe<unknown>> = { [`${p}st`]: statEachPlanned(statPaths(l)) };
  const maxDiff = ctx.diff ? MAX_DIFF_BYTES : 0;
  l.wanted.forEach((w, i) => {
    probes[`${p}sum${i}`] = checksum(w.dest);
    if (ctx.diff) probes[`${p}c${i}`] = fileContent(w.dest, maxDiff);
    if (w.source.kind === 'remote') probes[`${p}src${i}`] = sourceFile(w.source.path, maxDiff);
  });
  return probes;
}

/** The probes' answers as state; in check mode they include what earlier tasks of the run plan. */
function assemble(l: DestLayout, r: Record<string, unknown>, p: string): PutState {
  const stats = r[`${p}st`] as PlannedStat[];
  // a path that is there now is what the plan starts from; a missing one, what an earlier task makes of it
  const missingPlanned = (s: PlannedStat) => (!s.st.exists && s.planned ? { planned: s.planned } : {});
  const state: PutState = {
    files: l.wanted.map((w, i) => {
      const st = stats[i]!;
      const d: DestState = { dest: w.dest, source: w.source, st: st.st, ...missingPlanned(st) };
      const sum = r[`${p}sum${i}`] as string | undefined;
      if (sum) d.sha256 = sum;
      if (r[`${p}c${i}`]) d.before = r[`${p}c${i}`] as FileContent;
      if (w.source.kind === 'remote') {
        // an earlier task of this check run writes the source: its answer, and the copy comes after it
        const src = r[`${p}src${i}`] as SourceFile;
        if (src.sha256) d.srcSha256 = src.sha256;
        d.srcContent = src.content;
        if (src.plannedBy) d.srcAfter = src.plannedBy;
      }
      return d;
    }),
    dirs: l.dirs.map((path, i) => {
      const st = stats[l.wanted.length + i]!;
      return { path, st: st.st, ...missingPlanned(st) };
    }),
  };
  if (l.parent !== undefined) {
    const ps = stats[l.wanted.length + l.dirs.length]!;
    if (!ps.st.exists || ps.st.type !== 'directory') {
      if (ps.planned?.state === 'directory') state.parentAfter = ps.planned.by;
      else state.missingParent = l.parent;
    }
  }
  return state;
}

/** Read every destination (and remote source) in one round trip. */
export async function readDests(ctx: ReadContext, wanted: Wanted[], dirs: string[], parent: string | undefined): Promise<PutState> {
  const l = { wanted, dirs, ...(parent !== undefined ? { parent } : {}) };
  return assemble(l, (await runProbes(ctx, layoutProbes(ctx, l, 'f'))) as Record<string, unknown>, 'f');
}

/**
 * dest is a file path, unless it is an existing directory (then the file goes inside it): one round
 * trip reads whichever layout applies. In check mode a missing dest that an earlier task makes a
 * directory takes the file inside it too, read in a second round trip.
 */
export async function readDestOrInside(ctx: ReadContext, dest: string, asFile: DestLayout, inside: DestLayout): Promise<PutState> {
  const r = await runProbes(ctx, eitherLayout(dest, layoutProbes(ctx, asFile, 'x'), layoutProbes(ctx, inside, 'x')));
  const first = Object.values(r)[0] as Branch | undefined;
  if (first?.insideAfter !== undefined) return readDests(ctx, inside.wanted, inside.dirs, inside.parent);
  const values = Object.fromEntries(Object.entries(r).map(([k, b]) => [k, (b as Branch).value]));
  return assemble(first?.inside ? inside : asFile, values, 'x');
}

function wantedSum(f: DestState): string | undefined {
  switch (f.source.kind) {
    case 'content':
      return sha256(f.source.content);
    case 'local':
      return f.source.sha256;
    case 'remote':
      return f.srcSha256;
  }
}

function wantedBytes(f: DestState): Buffer | undefined {
  if (f.source.kind === 'content') return f.source.content;
  if (f.source.kind === 'local') return f.source.content;
  return f.srcContent && 'content' in f.srcContent ? f.srcContent.content : undefined;
}

function beforeText(f: DestState): Buffer | undefined {
  if (!f.st.exists) return undefined;
  if (f.before && 'content' in f.before) return f.before.content;
  return undefined;
}

const SECRET = /-----BEGIN [A-Z ]*PRIVATE KEY-----|-----BEGIN OPENSSH PRIVATE KEY-----/;

export function looksSecret(dest: string, bytes: Buffer | undefined): boolean {
  return /\.(key|pem-key)$|[-_]key\.pem$/.test(dest) || (bytes !== undefined && SECRET.test(bytes.subarray(0, 65536).toString('latin1')));
}

function putOp(f: DestState, o: PutOptions, mode: string, owner: string | undefined, group: string | undefined): Op {
  const common = { path: f.dest, mode, ...(owner !== undefined ? { owner } : {}), ...(group !== undefined ? { group } : {}) };
  switch (f.source.kind) {
    case 'content':
      return { kind: 'put', ...common, content: f.source.content, ...(o.backup ? { backup: true } : {}), ...(o.validate ? { validate: o.validate } : {}) };
    case 'local':
      return { kind: 'putFile', localPath: f.source.localPath, ...common };
    case 'remote':
      // cp to a temp name beside dest, set attributes, then rename: atomic like put
      return remoteCopyOp(f.source.path, f.dest, mode, owner, group, o);
  }
}

function remoteCopyOp(src: string, dest: string, mode: string, owner: string | undefined, group: string | undefined, o: PutOptions): Op {
  const tmp = posix.join(posix.dirname(dest), `.${posix.basename(dest)}.kplay-tmp`);
  const lines = [
    `cp -- ${q(src)} ${q(tmp)} || exit 1`,
    `chmod -- ${q(mode)} ${q(tmp)} || exit 1`,
    owner !== undefined || group !== undefined ? `chown -- ${q(`${owner ?? ''}${group !== undefined ? `:${group}` : ''}`)} ${q(tmp)} || exit 1` : '',
    o.validate ? `${o.validate.includes('%s') ? o.validate.split('%s').join(q(tmp)) : `${o.validate} ${q(tmp)}`} || { rm -f -- ${q(tmp)}; exit 1; }` : '',
    o.backup ? `if [ -e ${q(dest)} ]; then cp -p -- ${q(dest)} ${q(`${dest}.`)}"$(date +%Y-%m-%dT%H-%M-%S)~" || exit 1; fi` : '',
    `mv -f -- ${q(tmp)} ${q(dest)}`,
  ];
  return { kind: 'exec', cmd: lines.filter(Boolean).join('\n') };
}

/** Pure: the changes that make every destination hold its wanted bytes and attributes. */
export function planPut(s: PutState, o: PutOptions): Plan {
  if (s.missingParent) return { changes: [], failed: `destination directory ${s.missingParent} does not exist` };
  const changes: Change[] = [];
  for (const d of s.dirs) {
    if (d.st.exists) {
      if (d.st.type !== 'directory') return { changes, failed: `${d.path} exists and is not a directory` };
      continue;
    }
    if (d.planned && d.planned.state === 'directory') continue;
    changes.push({
      summary: `${d.path}: absent → directory`,
      ops: [{ kind: 'exec', cmd: ['mkdir', '-p', '--', d.path] }],
      diff: { path: d.path, before: 'state: absent\n', after: 'state: directory\n' },
      effects: [{ kind: 'path', path: d.path, state: 'directory' }],
    });
  }
  const dests: string[] = [];
  for (const f of s.files) {
    dests.push(f.dest);
    const st = f.st;
    if (st.exists && st.type === 'directory') return { changes, failed: `${f.dest} is a directory` };
    if (f.source.kind === 'remote' && !f.srcSha256) return { changes, failed: `remote src ${f.source.path} does not exist or is not a regular file` };
    const want = wantedSum(f);
    const after = f.srcAfter ? { after: f.srcAfter } : !st.exists && f.planned ? { after: f.planned.by } : s.parentAfter ? { after: s.parentAfter } : {};
    if (st.exists && f.sha256 === want) {
      changes.push(...attrChanges(f.dest, o, st, false));
      continue;
    }
    if (st.exists && o.force === false) continue;
    const mode = resolveMode(o.mode ?? (st.exists ? st.mode : '0644'), st.exists ? st.mode : undefined, false);
    const owner = o.owner !== undefined ? String(o.owner) : st.exists ? st.owner : undefined;
    const group = o.group !== undefined ? String(o.group) : st.exists ? st.group : undefined;
    const bytes = wantedBytes(f);
    const sensitive = o.sensitive === true || looksSecret(f.dest, bytes);
    const extras: string[] = [];
    if (st.exists && st.mode !== mode) extras.push(`mode ${st.mode} → ${mode}`);
    if (st.exists && o.owner !== undefined && !ownerMatches(o.owner, st)) extras.push(`owner ${st.owner} → ${o.owner}`);
    if (st.exists && o.group !== undefined && !groupMatches(o.group, st)) extras.push(`group ${st.group} → ${o.group}`);
    const what = st.exists ? 'update content' : `create (${bytes ? `${bytes.length} bytes` : f.source.kind === 'local' ? `${f.source.size} bytes` : 'copy'}, mode ${mode})`;
    const diff = !sensitive && bytes && (!st.exists || f.before) ? contentDiff(f.dest, beforeText(f), bytes) : undefined;
    const unshowable = !bytes || bytes.length > MAX_DIFF_BYTES || isBinary(bytes) || (f.before !== undefined && 'tooBig' in f.before);
    const tooBig = !sensitive && unshowable ? ' (binary or large: no diff)' : '';
    changes.push({
      summary: `${f.dest}: ${what}${extras.length ? `, ${extras.join(', ')}` : ''}${tooBig}`,
      ops: [putOp(f, o, mode, owner, group)],
      ...(diff ? { diff } : {}),
      ...(sensitive ? { sensitive: true } : {}),
      // the executor records put ops itself; putFile and remote copies are declared here
      ...(f.source.kind !== 'content' ? { effects: [{ kind: 'path', path: f.dest, state: 'file' as const, mode }] } : {}),
      ...after,
    });
  }
  const first = s.files[0];
  return {
    changes,
    result: {
      dest: dests.length === 1 ? dests[0] : dests,
      ...(s.files.length === 1 && first ? { checksum: wantedSum(first) } : {}),
    },
  };
}
