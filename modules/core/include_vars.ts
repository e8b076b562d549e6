import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { loadVarsFile } from '../../engine/load/vars-file.ts';

/** Variables from a YAML file on the controller, at set_fact precedence for the rest of the run. */
export const include_vars = defineModule({
  name: 'include_vars',
  freeForm: 'file',
  schema: Type.Object(
    {
      file: Type.String({ description: "A YAML file of variables: the role's vars/ first, then beside the tasks and the playbook." }),
      name: Type.Optional(Type.String({ description: 'Put the variables under this one name instead of at the top level.' })),
    },
    { additionalProperties: false },
  ),
  doc: {
    short: 'Load variables from a file on the controller',
    examples: '- include_vars: "vars/{{ansible_os_family}}.yml"',
  },
  async read(ctx, a) {
    return { vars: loadVarsFile(ctx.findFile('vars', a.file)) };
  },
  plan(s, a) {
    return { changes: [], result: { ansible_facts: a.name ? { [a.name]: s.vars } : s.vars } };
  },
});
