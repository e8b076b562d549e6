/** lineinfile: make sure one line is in a file (or is not), optionally replacing a matching line. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { fileEditOptions } from './common/schema.ts';
import { modeError } from './common/mode.ts';
import { pathArg, pathValidate } from './common/attrs.ts';
import { planEdit, readEditable, type EditState } from './common/edit-file.ts';
import { editLine } from './common/lineinfile-edit.ts';

const schema = Type.Object(
  {
    path: Type.Optional(Type.String({ description: 'The file to edit.' })),
    dest: Type.Optional(Type.String({ description: 'Alias of path.' })),
    name: Type.Optional(Type.String({ description: 'Alias of path.' })),
    line: Type.Optional(Type.String({ description: 'The line to insert or to replace the matching line with (with backrefs: a template with \\1 or \\g<name>).' })),
    regexp: Type.Optional(Type.String({ description: 'A regular expression (JavaScript syntax, matched anywhere in a line). present: the last matching line is replaced; absent: every matching line is removed.' })),
    search_string: Type.Optional(Type.String({ description: 'Like regexp, but a literal substring.' })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'Whether the line should be there.', default: 'present' })),
    insertafter: Type.Optional(Type.String({ description: "Where a new line goes: after the last line matching this regexp, or 'EOF' (default) / 'BOF'." })),
    insertbefore: Type.Optional(Type.String({ description: "Where a new line goes: before the last line matching this regexp, or 'BOF'." })),
    firstmatch: Type.Optional(Type.Boolean({ description: 'insertafter/insertbefore and regexp use the first matching line instead of the last.', default: false })),
    backrefs: Type.Optional(Type.Boolean({ description: 'line is a template expanded with the regexp\'s groups; when nothing matches, the file is left alone.', default: false })),
    ...fileEditOptions,
  },
  { additionalProperties: false },
);

export type LineinfileArgs = Static<typeof schema>;

export function validRegexp(key: string, re: string | undefined): { key: string; message: string }[] {
  if (re === undefined || re === 'BOF' || re === 'EOF') return [];
  try {
    new RegExp(re);
    return [];
  } catch (e) {
    return [{ key, message: `${key}: ${(e as Error).message}` }];
  }
}

export const lineinfile = defineModule({
  name: 'lineinfile',
  schema,
  doc: {
    short: 'Ensure a line is present in (or absent from) a text file',
    description: 'Computes the new content on the controller and writes it atomically; the diff is the unified diff of the file.',
    examples: `- lineinfile: { path: /etc/hosts, regexp: '\\skplay-h1$', line: '198.18.0.11 kplay-h1' }
- lineinfile: { path: /etc/ssh/sshd_config, regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no' }`,
    notes: ['Regular expressions are JavaScript\'s, which agree with Python\'s for the common cases.', 'In check mode a file an earlier task writes is edited from that task\'s content.'],
  },
  validate(a) {
    const errs = pathValidate(a);
    const state = a.state ?? 'present';
    if (state === 'present' && a.line === undefined) errs.push({ key: 'line', message: 'state present needs line' });
    if (state === 'absent' && a.line === undefined && a.regexp === undefined && a.search_string === undefined) errs.push({ key: 'regexp', message: 'state absent needs regexp, search_string or line' });
    if (a.line?.includes('\n') && !a.backrefs) errs.push({ key: 'line', message: 'line holds a newline: use blockinfile for several lines' });
    if (a.regexp !== undefined && a.search_string !== undefined) errs.push({ key: 'search_string', message: 'give only one of regexp and search_string' });
    if (a.insertafter !== undefined && a.insertbefore !== undefined) errs.push({ key: 'insertbefore', message: 'give only one of insertafter and insertbefore' });
    if (a.backrefs && a.regexp === undefined) errs.push({ key: 'backrefs', message: 'backrefs needs regexp' });
    errs.push(...validRegexp('regexp', a.regexp), ...validRegexp('insertafter', a.insertafter), ...validRegexp('insertbefore', a.insertbefore));
    if (a.mode !== undefined) {
      const e = modeError(a.mode);
      if (e) errs.push({ key: 'mode', message: e });
    }
    return errs;
  },
  read: (ctx, a): Promise<EditState> => readEditable(ctx, pathArg(a)),
  plan: (s, a) => planEdit(s, a, (text) => editLine(text, a)),
});
