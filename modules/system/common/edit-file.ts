/**
 * Shared by lineinfile and blockinfile: read a text file (or what an earlier task of this check run
 * writes there), and turn new content computed by a pure function into one atomic put.
 */
import type { Change, ReadContext, Plan } from '../../api.ts';
import { runProbes } from '../../facts/batch.ts';
import type { StatInfo } from '../../facts/stat.ts';
import { statAndContent, type FileContent } from '../../facts/content.ts';
import { attrChanges, type AttrArgs } from './attrs.ts';
import { contentDiff } from './diff.ts';
import { looksSecret } from './put-file.ts';
import { resolveMode } from './mode.ts';

export interface EditState {
  path: string;
  st: StatInfo;
  /** Present content: from the host, or (check mode) what an earlier task writes there. */
  content?: string;
  /** Set when content is what an earlier task writes. */
  after?: string;
  tooBig?: number;
}

export async function readEditable(ctx: ReadContext, path: string): Promise<EditState> {
  // one probe: the size for the read limit comes from its stat, no wc (a program less on the host)
  const { sc } = await runProbes(ctx, { sc: statAndContent(path) });
  const s: EditState = { path, st: sc.st };
  const c: FileContent = sc.content;
  if (c.exists && 'content' in c) s.content = c.content.toString('utf8');
  else if (c.exists && 'tooBig' in c) s.tooBig = c.tooBig;
  if (sc.plannedBy) s.after = sc.plannedBy;
  return s;
}

export interface EditOptions extends AttrArgs {
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

/** Lines of a text and whether it ended with a newline. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function joinLines(lines: readonly string[]): string {
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Pure: given the present state and a function from present text to new text (undefined: leave the
 * file alone), the changes to make.
 */
export function planEdit(s: EditState, o: EditOptions, edit: (text: string, exists: boolean) => { text?: string; failed?: string; msg?: string }): Plan {
  if (s.tooBig !== undefined) return { changes: [], failed: `${s.path} is too big to edit (${s.tooBig} bytes)` };
  if (s.st.exists && s.st.type !== 'file') return { changes: [], failed: `${s.path} is a ${s.st.type}, not a file` };
  const exists = s.content !== undefined;
  if (!exists && !o.create) return { changes: [], failed: `${s.path} does not exist (use create: true)` };
  const before = s.content ?? '';
  const r = edit(before, exists);
  if (r.failed) return { changes: [], failed: r.failed };
  const changes: Change[] = [];
  const result = r.msg ? { msg: r.msg } : {};
  const tag = s.after ? { after: s.after } : {};
  if (r.text === undefined || (exists && r.text === before)) {
    if (s.st.exists) changes.push(...attrChanges(s.path, o, s.st, false));
    return { changes: changes.map((c) => ({ ...c, ...tag })), result };
  }
  const st = s.st.exists ? s.st : undefined;
  const mode = resolveMode(o.mode ?? st?.mode ?? '0644', st?.mode, false);
  const owner = o.owner !== undefined ? String(o.owner) : st?.owner;
  const group = o.group !== undefined ? String(o.group) : st?.group;
  // a key (or a .key file) is never shown as a diff, as with copy and template
  const sensitive = looksSecret(s.path, Buffer.from(r.text)) || looksSecret(s.path, Buffer.from(before));
  const diff = sensitive ? undefined : contentDiff(s.path, before, r.text);
  changes.push({
    summary: `${s.path}: ${exists ? r.msg ?? 'edit' : `create (${r.msg ?? 'new file'})`}`,
    ops: [
      {
        kind: 'put',
        path: s.path,
        content: r.text,
        mode,
        ...(owner !== undefined ? { owner } : {}),
        ...(group !== undefined ? { group } : {}),
        ...(o.backup ? { backup: true } : {}),
        ...(o.validate ? { validate: o.validate } : {}),
      },
    ],
    ...(diff ? { diff } : {}),
    ...(sensitive ? { sensitive: true } : {}),
    ...tag,
  });
  return { changes, result };
}
