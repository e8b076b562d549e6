import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import { defineModule, type AnyModule } from '../../../modules/api.ts';
import { listModules, renderModuleDoc, renderModulesMarkdown, schemaOptions, schemaType } from '../../../engine/doc/index.ts';

const sample = defineModule({
  name: 'sample',
  schema: Type.Object(
    {
      path: Type.String({ description: 'Where the thing goes.' }),
      dest: Type.Optional(Type.String({ description: 'Alias of path.' })),
      state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { default: 'present', description: 'Whether it exists.' })),
      mode: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Permissions | octal.' })),
      lines: Type.Optional(Type.Array(Type.String())),
      env: Type.Optional(Type.Record(Type.String(), Type.String())),
      retries: Type.Optional(Type.Integer({ default: 3 })),
      extra: Type.Optional(Type.Unknown()),
      server: Type.Optional(Type.Object({ host: Type.String({ description: 'Server name.' }), port: Type.Optional(Type.Integer({ default: 443 })) })),
    },
    { additionalProperties: false },
  ),
  doc: {
    short: 'Manage a sample thing',
    description: 'A longer description that explains what the sample module does, written to be long enough to wrap at eighty columns.',
    notes: ['Runs in check mode.'],
    examples: '- sample:\n    path: /etc/x\n',
  },
  freeForm: 'path',
  async read() {
    return {};
  },
  plan() {
    return { changes: [] };
  },
});

describe('module docs', () => {
  it('reads options, types, required, defaults, choices and aliases from the schema', () => {
    const opts = schemaOptions(sample.schema);
    expect(opts.map((o) => o.name)).to.deep.equal(['path', 'state', 'mode', 'lines', 'env', 'retries', 'extra', 'server']);
    expect(opts[0]).to.deep.include({ name: 'path', type: 'string', required: true, aliases: ['dest'], description: 'Where the thing goes.' });
    expect(opts[1]).to.deep.include({ type: 'string', required: false, default: 'present', choices: ['present', 'absent'] });
    expect(opts[2]!.type).to.equal('string | integer');
    expect(opts[3]!.type).to.equal('list of string');
    expect(opts[4]!.type).to.equal('object');
    expect(opts[5]).to.deep.include({ type: 'integer', default: 3 });
    expect(opts[6]!.type).to.equal('any');
    expect(opts[7]!.suboptions).to.deep.equal([
      { name: 'host', type: 'string', required: true, aliases: [], description: 'Server name.' },
      { name: 'port', type: 'integer', required: false, aliases: [], default: 443 },
    ]);
  });

  it('merges the branches of a union of objects', () => {
    const s = Type.Union([Type.Object({ a: Type.String(), b: Type.String() }), Type.Object({ a: Type.String(), c: Type.Number() })]);
    expect(schemaOptions(s).map((o) => [o.name, o.required])).to.deep.equal([
      ['a', true],
      ['b', false],
      ['c', false],
    ]);
  });

  it('never throws on odd schemas', () => {
    expect(schemaOptions(undefined)).to.deep.equal([]);
    expect(schemaOptions({ properties: { x: null, y: 5 } })).to.deep.equal([]);
    expect(schemaType({ type: ['string', 'null'] })).to.equal('string | null');
    expect(schemaType({ enum: [1, 2] })).to.equal('integer');
    expect(schemaType('nonsense')).to.equal('any');
  });

  it('renders the terminal doc like ansible-doc', () => {
    const text = renderModuleDoc(sample);
    expect(text.split('\n').slice(0, 2)).to.deep.equal(['> SAMPLE', '  Manage a sample thing']);
    expect(text).to.contain('= path  (string)\n    Where the thing goes.\n    aliases: dest\n');
    expect(text).to.contain('- state  (string)\n    Whether it exists.\n    choices: present, absent\n    default: present\n');
    expect(text).to.contain('    suboptions:\n      = host  (string)\n          Server name.\n      - port  (integer)\n          default: 443');
    expect(text).to.contain('NOTES\n  * Runs in check mode.\n  * Takes a free-form string as `path`');
    expect(text).to.contain('EXAMPLES\n\n  - sample:\n      path: /etc/x');
    for (const line of text.split('\n')) expect(line.length).to.be.at.most(80);
  });

  it('says so when a module takes no options', () => {
    const none = { ...sample, schema: Type.Object({}), freeForm: undefined } as AnyModule;
    expect(renderModuleDoc(none)).to.contain('This module takes no options.');
  });

  it('lists modules sorted and aligned', () => {
    const other = { ...sample, name: 'a_long_name', doc: { short: 'Other' } } as AnyModule;
    expect(listModules({ sample, a_long_name: other })).to.equal('a_long_name  Other\nsample       Manage a sample thing');
  });

  it('renders Markdown with an index and an options table', () => {
    const md = renderModulesMarkdown({ sample });
    expect(md).to.contain('| [sample](#sample) | Manage a sample thing |');
    expect(md).to.contain('| `path` | string | yes |  |  | Where the thing goes. Aliases: `dest`. |');
    expect(md).to.contain('| `state` | string |  | `present` | `present`, `absent` | Whether it exists. |');
    expect(md).to.contain('| `mode` | string \\| integer |  |  |  | Permissions \\| octal. |');
    expect(md).to.contain('| `server.port` | integer |  | `443` |  |  |');
    expect(md).to.contain('```yaml\n- sample:\n    path: /etc/x\n```');
  });

  it('documents every registered module without throwing', async () => {
    const { modules } = await import('../../../modules/index.ts');
    for (const m of Object.values(modules)) expect(renderModuleDoc(m)).to.match(/^> /);
    expect(renderModulesMarkdown(modules)).to.contain('# Modules');
  });
});
