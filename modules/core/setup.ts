import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { parseFacts } from '../../engine/vars/facts.ts';
import { factsQuery } from './probes.ts';

/** The same one-round-trip probe as gather_facts, as a task (for delegate_to + delegate_facts, or a refresh). */
export const setup = defineModule({
  name: 'setup',
  schema: Type.Object(
    {
      gather_subset: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Accepted for Ansible compatibility; kplay always gathers its one small set.' })),
      filter: Type.Optional(Type.String({ description: 'Accepted for Ansible compatibility; ignored.' })),
    },
    { additionalProperties: false },
  ),
  doc: { short: 'Gather facts about the host', description: 'Sets ansible_* facts for the host (or, with delegate_facts, for the delegate).', examples: '- setup:\n  delegate_to: "{{item}}"\n  delegate_facts: true\n  loop: "{{groups.etcd}}"' },
  async read(ctx) {
    const r = await ctx.query(factsQuery);
    return { rc: r.rc, stderr: r.stderr, facts: r.rc === 0 ? { ...parseFacts(r.stdout) } : undefined };
  },
  plan(s) {
    if (!s.facts) return { changes: [], failed: `fact gathering failed (exit ${s.rc}): ${s.stderr.trim()}` };
    return { changes: [], result: { ansible_facts: s.facts } };
  },
});
