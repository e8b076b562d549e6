/** mode/owner/group of a path: the changes that set them, and the path argument with its aliases. */
import type { Change, Op } from '../../api.ts';
import { lineDiff } from './diff.ts';
import { resolveMode, type ModeArg } from './mode.ts';
import { groupMatches, ownerMatches } from './owner.ts';

export interface AttrArgs {
  mode?: ModeArg;
  owner?: string | number;
  group?: string | number;
}

/** What is known of a path's attributes; missing fields are unknown (planned from the ledger). */
export interface Attrs {
  mode?: string;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
}

export interface PathArgs {
  path?: string;
  dest?: string;
  name?: string;
}

export function pathArg(a: PathArgs): string {
  return (a.path ?? a.dest ?? a.name)!;
}

export function pathValidate(a: PathArgs): { key?: string; message: string }[] {
  const given = (['path', 'dest', 'name'] as const).filter((k) => a[k] !== undefined);
  if (given.length === 0) return [{ key: 'path', message: 'path is required (or its alias dest or name)' }];
  if (given.length > 1) return [{ key: given[1], message: `give only one of ${given.join(', ')} (they are aliases)` }];
  return [];
}

/** undefined: cannot tell (a name or id that is not known, e.g. planned from the ledger). */
function matches(want: string | number, have: Attrs, kind: 'owner' | 'group'): boolean | undefined {
  const name = kind === 'owner' ? have.owner : have.group;
  const id = kind === 'owner' ? have.uid : have.gid;
  const numeric = /^\d+$/.test(String(want));
  if (numeric ? id === undefined : name === undefined) return undefined;
  const o = { owner: have.owner ?? '', group: have.group ?? '', uid: have.uid ?? -1, gid: have.gid ?? -1 };
  return kind === 'owner' ? ownerMatches(want, o) : groupMatches(want, o);
}

/** One change per attribute that differs (or is unknown) on an existing path. */
export function attrChanges(path: string, a: AttrArgs, have: Attrs | undefined, isDir: boolean): Change[] {
  const changes: Change[] = [];
  if (a.mode !== undefined) {
    const want = resolveMode(a.mode, have?.mode, isDir);
    if (have?.mode !== want) {
      const before = have?.mode ?? '(unknown)';
      changes.push({ summary: `${path}: mode ${before} → ${want}`, ops: [{ kind: 'exec', cmd: ['chmod', '--', want, path] }], diff: { path, ...lineDiff('mode', before, want) } });
    }
  }
  for (const kind of ['owner', 'group'] as const) {
    const want = a[kind];
    if (want === undefined || matches(want, have ?? {}, kind) === true) continue;
    const before = (kind === 'owner' ? have?.owner : have?.group) ?? '(unknown)';
    changes.push({
      summary: `${path}: ${kind} ${before} → ${want}`,
      ops: [{ kind: 'exec', cmd: [kind === 'owner' ? 'chown' : 'chgrp', '--', String(want), path] }],
      diff: { path, ...lineDiff(kind, before, String(want)) },
    });
  }
  return changes;
}

/** The ops that give a path just created its attributes. */
export function attrOps(path: string, a: AttrArgs, currentMode: string | undefined, isDir: boolean): Op[] {
  const ops: Op[] = [];
  if (a.owner !== undefined || a.group !== undefined) {
    ops.push({ kind: 'exec', cmd: ['chown', '--', `${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`, path] });
  }
  if (a.mode !== undefined) ops.push({ kind: 'exec', cmd: ['chmod', '--', resolveMode(a.mode, currentMode, isDir), path] });
  return ops;
}
