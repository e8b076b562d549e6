/** blockinfile: a block of lines between marker lines, kept up to date in a text file. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { fileEditOptions } from './common/schema.ts';
import { modeError } from './common/mode.ts';
import { pathArg, pathValidate } from './common/attrs.ts';
import { planEdit, readEditable, type EditState } from './common/edit-file.ts';
import { editBlock } from './common/lineinfile-edit.ts';
import { validRegexp } from './lineinfile.ts';

const schema = Type.Object(
  {
    path: Type.Optional(Type.String({ description: 'The file to edit.' })),
    dest: Type.Optional(Type.String({ description: 'Alias of path.' })),
    name: Type.Optional(Type.String({ description: 'Alias of path.' })),
    block: Type.Optional(Type.String({ description: 'The lines between the markers. Empty means the block is removed.', default: '' })),
    marker: Type.Optional(Type.String({ description: "The marker line template; {mark} becomes marker_begin or marker_end.", default: '# {mark} ANSIBLE MANAGED BLOCK' })),
    marker_begin: Type.Optional(Type.String({ description: 'What {mark} becomes in the first marker.', default: 'BEGIN' })),
    marker_end: Type.Optional(Type.String({ description: 'What {mark} becomes in the last marker.', default: 'END' })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'Whether the block should be there.', default: 'present' })),
    insertafter: Type.Optional(Type.String({ description: "Where a new block goes: after the last line matching this regexp, or 'EOF' (default)." })),
    insertbefore: Type.Optional(Type.String({ description: "Where a new block goes: before the last line matching this regexp, or 'BOF'." })),
    ...fileEditOptions,
  },
  { additionalProperties: false },
);

export type BlockinfileArgs = Static<typeof schema>;

export const blockinfile = defineModule({
  name: 'blockinfile',
  schema,
  doc: {
    short: 'Keep a marked block of lines in a text file',
    description: 'Inserts, updates or removes the lines between two marker lines. The diff is the unified diff of the file.',
    examples: `- blockinfile:
    path: /etc/hosts
    marker: '# {mark} kplay cluster hosts'
    block: |
      198.18.0.11 kplay-h1
      198.18.0.12 kplay-h2`,
    notes: ['Marker lines must be unique in the file: the first begin marker and the next end marker delimit the block.'],
  },
  validate(a) {
    const errs = pathValidate(a);
    if (a.insertafter !== undefined && a.insertbefore !== undefined) errs.push({ key: 'insertbefore', message: 'give only one of insertafter and insertbefore' });
    if (a.marker !== undefined && !a.marker.includes('{mark}')) errs.push({ key: 'marker', message: 'marker must contain {mark}' });
    errs.push(...validRegexp('insertafter', a.insertafter), ...validRegexp('insertbefore', a.insertbefore));
    if (a.mode !== undefined) {
      const e = modeError(a.mode);
      if (e) errs.push({ key: 'mode', message: e });
    }
    return errs;
  },
  read: (ctx, a): Promise<EditState> => readEditable(ctx, pathArg(a)),
  plan: (s, a) => planEdit(s, a, (text) => editBlock(text, a)),
});
