import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';

export const fail = defineModule({
  name: 'fail',
  schema: Type.Object(
    { msg: Type.Optional(Type.String({ description: 'The failure message.' })) },
    { additionalProperties: false },
  ),
  doc: { short: 'Fail the task with a message', examples: "- fail:\n    msg: unsupported distribution\n  when: ansible_os_family != 'Debian'" },
  async read() {
    return {};
  },
  plan(_s, a) {
    return { changes: [], failed: a.msg ?? 'Failed as requested from task' };
  },
});
