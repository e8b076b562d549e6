import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';

export const assert = defineModule({
  name: 'assert',
  schema: Type.Object(
    {
      that: Type.Union([Type.String(), Type.Boolean(), Type.Array(Type.Union([Type.String(), Type.Boolean()]))], {
        description: 'Condition(s) in the condition language; all must hold.',
      }),
      fail_msg: Type.Optional(Type.String({ description: 'Message when an assertion fails.' })),
      msg: Type.Optional(Type.String({ description: 'Alias of fail_msg.' })),
      success_msg: Type.Optional(Type.String({ description: 'Message when all assertions hold.' })),
      quiet: Type.Optional(Type.Boolean({ description: 'Accepted for Ansible compatibility.' })),
    },
    { additionalProperties: false },
  ),
  doc: {
    short: 'Fail unless conditions hold',
    examples: "- assert:\n    that:\n      - groups.etcd | length is odd\n    fail_msg: etcd needs an odd member count",
  },
  async read(ctx, a) {
    const conditions = Array.isArray(a.that) ? a.that : [a.that];
    for (const c of conditions) {
      if (!(typeof c === 'boolean' ? c : ctx.evaluate(c))) return { failedOn: String(c) };
    }
    return { failedOn: undefined as string | undefined };
  },
  plan(state, a) {
    if (state.failedOn !== undefined) {
      return { changes: [], failed: a.fail_msg ?? a.msg ?? `Assertion failed: ${state.failedOn}`, result: { assertion: state.failedOn, evaluated_to: false } };
    }
    return { changes: [], result: { msg: a.success_msg ?? 'All assertions passed' } };
  },
});
