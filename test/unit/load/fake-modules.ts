/** A tiny module registry for loader tests, independent of the real modules' evolving schemas. */
import { Type } from '@sinclair/typebox';
import { defineModule, type AnyModule } from '../../../modules/api.ts';

const noop = { read: async () => undefined, plan: () => ({ changes: [] }) };

export const fakeModules: Record<string, AnyModule> = {
  command: defineModule({
    name: 'command',
    schema: Type.Object(
      { cmd: Type.Optional(Type.String()), argv: Type.Optional(Type.Array(Type.String())), creates: Type.Optional(Type.String()), chdir: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
    doc: { short: 'run a command' },
    freeForm: 'cmd',
    validate: (a) => (a.cmd === undefined && a.argv === undefined ? [{ message: 'one of cmd or argv is required' }] : a.cmd !== undefined && a.argv !== undefined ? [{ key: 'argv', message: 'cmd and argv are mutually exclusive' }] : []),
    ...noop,
  }),
  file: defineModule({
    name: 'file',
    schema: Type.Object(
      {
        path: Type.String(),
        state: Type.Optional(Type.Union([Type.Literal('file'), Type.Literal('directory'), Type.Literal('touch'), Type.Literal('absent')])),
        mode: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
        recurse: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    doc: { short: 'file state' },
    ...noop,
  }),
  copy: defineModule({
    name: 'copy',
    schema: Type.Object({ src: Type.Optional(Type.String()), content: Type.Optional(Type.String()), dest: Type.String() }, { additionalProperties: false }),
    doc: { short: 'copy' },
    localFiles: (a) => (a.src ? [{ kind: 'files' as const, name: a.src, key: 'src' }] : []),
    ...noop,
  }),
  template: defineModule({
    name: 'template',
    schema: Type.Object({ src: Type.String(), dest: Type.String() }, { additionalProperties: false }),
    doc: { short: 'template' },
    localFiles: (a) => [{ kind: 'templates' as const, name: a.src, key: 'src' }],
    ...noop,
  }),
  debug: defineModule({
    name: 'debug',
    schema: Type.Object({ msg: Type.Optional(Type.Unknown()), var: Type.Optional(Type.String()) }, { additionalProperties: false }),
    doc: { short: 'debug' },
    ...noop,
  }),
  set_fact: defineModule({ name: 'set_fact', schema: Type.Record(Type.String(), Type.Unknown()), doc: { short: 'set facts' }, ...noop }),
};
