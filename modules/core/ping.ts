import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { pingQuery } from './probes.ts';

export const ping = defineModule({
  name: 'ping',
  schema: Type.Object({ data: Type.Optional(Type.String({ description: 'Returned as `ping`.' })) }, { additionalProperties: false }),
  doc: { short: 'Check that the host answers a shell command', examples: '- ping:' },
  async read(ctx) {
    const r = await ctx.query(pingQuery);
    return { ok: r.rc === 0 && r.stdout.trim() === 'pong', err: r.stderr };
  },
  plan(s, a) {
    return s.ok ? { changes: [], result: { ping: a.data ?? 'pong' } } : { changes: [], failed: `ping failed: ${s.err}` };
  },
});
