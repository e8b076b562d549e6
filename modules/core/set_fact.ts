import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';

/** Arguments are the facts themselves; the executor stores result.ansible_facts at set_fact precedence. */
export const set_fact = defineModule({
  name: 'set_fact',
  takesUnknownValues: true,
  schema: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.Unknown(), {
    description: 'Each key becomes a host variable with the (rendered) value.',
  }),
  doc: {
    short: 'Set host variables for the rest of the run',
    description: 'Values are rendered per host. `cacheable` is accepted and ignored.',
    examples: "- set_fact:\n    etcd_peer_url: 'https://{{ip}}:2380'",
  },
  async read() {
    return {};
  },
  plan(_s, a) {
    const { cacheable: _ignored, ...facts } = a as Record<string, unknown>;
    return { changes: [], result: { ansible_facts: facts } };
  },
});
