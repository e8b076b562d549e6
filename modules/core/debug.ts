import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';

export const debug = defineModule({
  name: 'debug',
  takesUnknownValues: true,
  schema: Type.Object(
    {
      msg: Type.Optional(Type.Unknown({ description: 'The message to print (any value; rendered).' })),
      var: Type.Optional(Type.String({ description: 'A variable name (or dotted path) whose value to print.' })),
      verbosity: Type.Optional(Type.Integer({ minimum: 0, description: 'Print only at this -v level or above.' })),
    },
    { additionalProperties: false },
  ),
  doc: {
    short: 'Print a message or a variable',
    description: 'Never changes anything. `msg` and `var` are exclusive.',
    examples: "- debug:\n    msg: \"etcd members: {{ groups['etcd'] | join(',') }}\"\n- debug:\n    var: result.stdout_lines",
  },
  validate(a) {
    return a.msg !== undefined && a.var !== undefined ? [{ key: 'var', message: 'msg and var are mutually exclusive' }] : [];
  },
  async read(ctx, a) {
    if (a.var === undefined) return { value: a.msg ?? 'Hello world!' };
    try {
      return { value: ctx.expression(a.var) };
    } catch {
      // Ansible prints this instead of failing, so a debug of a missing variable never breaks a run
      return { value: 'VARIABLE IS NOT DEFINED!' };
    }
  },
  plan(state, a) {
    return { changes: [], result: a.var !== undefined ? { [a.var]: state.value } : { msg: state.value } };
  },
});

