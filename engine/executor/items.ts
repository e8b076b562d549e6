/**
 * Walks a list of tasks, blocks and includes for a set of hosts. The linear strategy calls it with
 * all hosts (each task finishes on every host before the next starts); the free strategy calls it
 * once per host.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Block, Include, Item, Task, Vars } from '../playbook/model.ts';
import { KplayError, formatError } from '../errors.ts';
import { renderValue } from '../template/render.ts';
import { evaluateCondition } from '../template/expression.ts';
import { markData } from '../template/lazy-vars.ts';
import { hostState, varsFor, type PlayContext, type Scope } from './play-context.ts';
import { runTask } from './task-runner.ts';
import { taskName } from './task-result.ts';
import { tagsSelect } from './tags.ts';
import { flushHandlers } from './handlers.ts';
import { countRescued, countResult } from '../report/recap.ts';

export async function runItems(pc: PlayContext, items: Item[], hosts: string[], scope: Scope): Promise<void> {
  for (const item of items) {
    // Ctrl-C: what runs finishes, nothing new starts (a second Ctrl-C ends the process)
    if (pc.ended || pc.options.signal?.aborted) return;
    const alive = hosts.filter((h) => hostState(pc, h).alive);
    if (alive.length === 0) return;
    if (item.kind === 'task') await runSelectedTask(pc, item, alive, scope);
    else if (item.kind === 'block') await runBlock(pc, item, alive, scope);
    else await runInclude(pc, item, alive, scope);
  }
}

async function runSelectedTask(pc: PlayContext, task: Task, hosts: string[], scope: Scope): Promise<void> {
  if (task.module === 'meta' && task.args.action === 'flush_handlers') {
    await flushHandlers(pc, hosts);
    return;
  }
  if (!tagsSelect(task.tags, pc.options.tags, pc.options.skipTags)) return;
  if (pc.skippingToStart) {
    const name = taskName(task);
    if (name !== pc.options.startAtTask && task.name !== pc.options.startAtTask) return;
    pc.skippingToStart = false;
  }
  await runTask(pc, task, hosts, scope);
}

async function runBlock(pc: PlayContext, block: Block, hosts: string[], scope: Scope): Promise<void> {
  const inner: Scope = { vars: [...scope.vars, block.vars] };
  // a block's when is inherited by its tasks (the loader prepends it), so it needs no check here
  await runItems(pc, block.block, hosts, inner);
  const failed = hosts.filter((n) => hostState(pc, n).failed && !hostState(pc, n).unreachable);
  if (block.rescue.length > 0 && failed.length > 0) {
    for (const n of failed) {
      const h = hostState(pc, n);
      h.failed = false;
      countRescued(h.stats);
    }
    const rescueScope: Scope = { vars: [...inner.vars, rescueVars(pc, failed)] };
    await runItems(pc, block.rescue, failed, rescueScope);
  }
  if (block.always.length > 0) {
    // always runs for every host that entered the block, failed or not; a prior failure stands afterwards
    const stillFailed = hosts.filter((n) => hostState(pc, n).failed && !hostState(pc, n).unreachable);
    for (const n of stillFailed) hostState(pc, n).failed = false;
    const wasEnded = pc.ended;
    await runItems(pc, block.always, hosts.filter((n) => !hostState(pc, n).unreachable), inner);
    for (const n of stillFailed) hostState(pc, n).failed = true;
    pc.ended ||= wasEnded;
  }
}

/** ansible_failed_task / ansible_failed_result for rescue sections (per host; the latest failure). */
function rescueVars(pc: PlayContext, hosts: string[]): Vars {
  const h = hostState(pc, hosts[0]!);
  // a failed result is host output: data, never a template
  return markData({ ansible_failed_task: h.lastFailure?.task ?? {}, ansible_failed_result: h.lastFailure?.result ?? {} });
}

async function runInclude(pc: PlayContext, inc: Include, hosts: string[], scope: Scope): Promise<void> {
  // as in Ansible: a dynamic include is selected by its own tags; its tasks are then filtered by theirs
  if (!tagsSelect(inc.tags, pc.options.tags, pc.options.skipTags)) return;
  // group hosts by what they include (a templated path or loop can differ per host)
  const groups = new Map<string, { hosts: string[]; items: unknown[]; key: string }>();
  for (const host of hosts) {
    const h = hostState(pc, host);
    try {
      const vars = varsFor(pc, host, scope, inc.role, inc.vars);
      if (!inc.when.every((c) => evaluateCondition(c, vars))) {
        countResult(h.stats, { status: 'skipped' });
        continue;
      }
      const target = String(renderValue(inc.target, vars, { loc: inc.loc }));
      const loopItems = inc.loop === undefined ? [undefined] : renderValue(inc.loop, vars, { loc: inc.loc });
      if (!Array.isArray(loopItems)) throw new KplayError('KPLAY_TEMPLATE', 'loop must be a list', { loc: inc.loc });
      const key = JSON.stringify([target, loopItems]);
      const g = groups.get(key) ?? { hosts: [] as string[], items: loopItems as unknown[], key: target };
      g.hosts.push(host);
      groups.set(key, g);
    } catch (e) {
      h.failed = true;
      countResult(h.stats, { status: 'failed' });
      pc.emit({ type: 'host_result', host, task: inc.name ?? inc.kind, module: inc.kind, status: 'failed', changes: [], msg: e instanceof KplayError ? formatError(e) : String(e), durationMs: 0 });
    }
  }
  for (const g of groups.values()) {
    for (const item of g.items) {
      // the item is data (rendered already, or host output): never rendered again as a template
      const loopVars: Vars = markData(inc.loop === undefined ? {} : { [inc.loop_control.loop_var]: item });
      const incScope: Scope = { vars: [...scope.vars, inc.vars, loopVars] };
      if (inc.kind === 'include_tasks') {
        const path = isAbsolute(g.key) ? g.key : resolve(inc.baseDir, g.key);
        const loaded = pc.loader.taskFile(path, inc);
        await runItems(pc, loaded, g.hosts, incScope);
      } else {
        const loaded = pc.loader.role(g.key, inc, pc.roles.length);
        pc.roles.push(loaded.application, ...loaded.dependencies);
        pc.handlers.push(...loaded.handlers);
        await runItems(pc, loaded.items, g.hosts, incScope);
      }
    }
  }
}
