import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';

export const pause = defineModule({
  name: 'pause',
  schema: Type.Object(
    {
      seconds: Type.Optional(Type.Number({ minimum: 0, description: 'How long to wait.' })),
      minutes: Type.Optional(Type.Number({ minimum: 0, description: 'How long to wait, in minutes.' })),
      prompt: Type.Optional(Type.String({ description: 'Accepted for Ansible compatibility; kplay never waits for a keypress.' })),
    },
    { additionalProperties: false },
  ),
  doc: { short: 'Wait a while (never interactive)', examples: '- pause:\n    seconds: 5' },
  async read(ctx, a) {
    const ms = ((a.seconds ?? 0) + (a.minutes ?? 0) * 60) * 1000;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    return { ms };
  },
  plan(s) {
    return { changes: [], result: { delta_ms: s.ms } };
  },
});
