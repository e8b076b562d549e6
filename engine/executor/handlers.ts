/**
 * Handlers run once per host however often they were notified, in the order they are defined,
 * at the end of each section and at meta: flush_handlers. A handler may notify further handlers.
 */
import { hostState, type PlayContext } from './play-context.ts';
import { runTask } from './task-runner.ts';

export async function flushHandlers(pc: PlayContext, hosts: string[]): Promise<void> {
  for (let round = 0; round < 10; round++) {
    let ran = false;
    for (const handler of pc.handlers) {
      const topics = [handler.name, ...handler.listen].filter((t): t is string => !!t);
      const notified = hosts.filter((n) => {
        const h = hostState(pc, n);
        return (h.alive || pc.play.force_handlers) && topics.some((t) => h.notified.has(t));
      });
      if (notified.length === 0) continue;
      for (const n of notified) for (const t of topics) hostState(pc, n).notified.delete(t);
      ran = true;
      await runTask(pc, handler, notified, { vars: [] }, { handler: true });
    }
    if (!ran) return;
  }
}
