/**
 * Handlers run once per host however often they were notified, in the order they are defined,
 * at the end of each section and at meta: flush_handlers. A handler may notify further handlers.
 */
import { hostState, type PlayContext } from './play-context.ts';
import { runTask } from './task-runner.ts';

export async function flushHandlers(pc: PlayContext, hosts: string[]): Promise<void> {
  for (let round = 0; round < 10; round++) {
    // The topics notified so far, taken as a whole: every handler that listens to one of them runs
    // (Ansible's semantics), not only the first. What handlers notify goes to the next round.
    const pending = new Map<string, Set<string>>();
    for (const n of hosts) {
      const h = hostState(pc, n);
      pending.set(n, new Set(h.notified));
      h.notified.clear();
    }
    let ran = false;
    for (const handler of pc.handlers) {
      const topics = [handler.name, ...handler.listen].filter((t): t is string => !!t);
      const notified = hosts.filter((n) => {
        const h = hostState(pc, n);
        return (h.alive || pc.play.force_handlers) && topics.some((t) => pending.get(n)!.has(t));
      });
      if (notified.length === 0) continue;
      ran = true;
      await runTask(pc, handler, notified, { vars: [] }, { handler: true });
    }
    if (!ran) return;
  }
}
