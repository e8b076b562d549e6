/** template: render a Handlebars template on the controller and write the result to the host. */
import { Type, type Static } from '@sinclair/typebox';
import { readFileSync } from 'node:fs';
import { basename, posix } from 'node:path';
import { defineModule, type ReadContext } from '../api.ts';
import { groupSchema, modeSchema, ownerSchema } from './common/schema.ts';
import { modeError } from './common/mode.ts';
import { planPut, readDestOrInside, readDests, type PutState } from './common/put-file.ts';

const schema = Type.Object(
  {
    src: Type.String({ description: "Template on the controller, searched in the role's templates/ then beside the playbook (Handlebars)." }),
    dest: Type.String({ description: 'Remote path. Ending with / (or an existing directory): written inside it under the template\'s name without .hbs/.j2.' }),
    mode: Type.Optional(modeSchema),
    owner: Type.Optional(ownerSchema),
    group: Type.Optional(groupSchema),
    backup: Type.Optional(Type.Boolean({ description: 'Keep the replaced file as DEST.<timestamp>~.', default: false })),
    validate: Type.Optional(Type.String({ description: "Command run on the rendered file before it replaces dest; %s is the temp file's path." })),
    force: Type.Optional(Type.Boolean({ description: 'false: only write when dest does not exist yet.', default: true })),
  },
  { additionalProperties: false },
);

export type TemplateArgs = Static<typeof schema>;

async function readTemplate(ctx: ReadContext, a: TemplateArgs): Promise<PutState> {
  const rendered = ctx.renderTemplate(readFileSync(ctx.findFile('templates', a.src), 'utf8'));
  const source = { kind: 'content' as const, content: Buffer.from(rendered) };
  const inside = { wanted: [{ dest: posix.join(a.dest, basename(a.src).replace(/\.(hbs|j2|tmpl)$/, '')), source }], dirs: [] };
  if (a.dest.endsWith('/')) return readDests(ctx, inside.wanted, [], a.dest.replace(/\/+$/, '') || '/');
  return readDestOrInside(ctx, a.dest, { wanted: [{ dest: a.dest, source }], dirs: [], parent: posix.dirname(a.dest) }, inside);
}

export const template = defineModule({
  name: 'template',
  schema,
  doc: {
    short: 'Render a template to a file on the host',
    description:
      "Renders a Handlebars template with the host's variables (strict: an undefined variable fails the task) and writes it like copy: idempotent by sha256, atomic, with a unified diff of the rendered content.",
    examples: `- template: { src: etcd.service.hbs, dest: /etc/systemd/system/etcd.service, mode: '0644' }`,
    notes: ['The rendered content is diffed against the file on the host; keys and other secrets rendered into a file ending in .key are not shown.'],
  },
  validate(a) {
    const e = a.mode !== undefined ? modeError(a.mode) : undefined;
    return e ? [{ key: 'mode', message: e }] : [];
  },
  localFiles: (a) => [{ kind: 'templates' as const, name: a.src, key: 'src' }],
  read: readTemplate,
  plan: (s, a) => planPut(s, a),
});
