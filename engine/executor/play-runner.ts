/**
 * One play: host selection, serial batches, fact gathering, sections with handler flushes, the
 * linear or free strategy, and the failure rules (any_errors_fatal, max_fail_percentage).
 */
import PQueue from 'p-queue';
import type { Item, Play } from '../playbook/model.ts';
import { KplayError, formatError } from '../errors.ts';
import { TransportError } from '../transport/transport.ts';
import { isTemplate, renderValue } from '../template/render.ts';
import { FACTS_SCRIPT, parseFacts } from '../vars/facts.ts';
import { HostState } from './host-state.ts';
import type { HostLedger } from './ledger.ts';
import { hostState, varsFor, type DynamicLoader, type PlayContext } from './play-context.ts';
import type { ConnectionPool } from './connections.ts';
import type { InventoryView } from './inventory-view.ts';
import type { RunOptions } from './options.ts';
import { runItems } from './items.ts';
import { flushHandlers } from './handlers.ts';
import { tagsSelect } from './tags.ts';
import { countResult } from '../report/recap.ts';
import type { EventInput } from './play-context.ts';

export interface RunShared {
  options: RunOptions;
  inventory: InventoryView;
  hosts: Map<string, HostState>;
  connections: ConnectionPool;
  forks: PQueue;
  emit(e: EventInput): void;
  addSecret(v: unknown): void;
  loader: DynamicLoader;
  controllerLedger: HostLedger;
  /** Hosts allowed by --limit (undefined: all). */
  limit?: Set<string>;
  skippingToStart: boolean;
}

/** A play's host pattern may be a template over extra vars (`hosts: "{{target}}"`), as in Ansible. */
export function hostPattern(play: Play, extraVars: Record<string, unknown>): string {
  return isTemplate(play.hosts) ? String(renderValue(play.hosts, extraVars, { loc: play.loc })) : play.hosts;
}

export async function runPlay(run: RunShared, play: Play): Promise<void> {
  const pattern = hostPattern(play, run.options.extraVars);
  let hosts = run.inventory.match(pattern);
  if (run.limit) hosts = hosts.filter((h) => run.limit!.has(h));
  hosts = orderHosts(hosts, play.order);
  for (const h of hosts) {
    if (!run.hosts.has(h)) run.hosts.set(h, new HostState(h));
    run.hosts.get(h)!.inPlay = true;
  }
  // hosts that failed or were unreachable in an earlier play stay out (as in Ansible)
  hosts = hosts.filter((h) => !run.hosts.get(h)!.failed && !run.hosts.get(h)!.unreachable);
  run.emit({ type: 'play_start', name: play.name ?? pattern, hosts, loc: play.loc });
  if (hosts.length === 0) {
    run.emit({ type: 'warning', message: `no hosts matched the pattern '${pattern}'${run.limit ? ' with the limit' : ''}; skipping play`, loc: play.loc });
    return;
  }

  const pc: PlayContext = {
    play,
    options: run.options,
    inventory: run.inventory,
    hosts: run.hosts,
    playHosts: hosts,
    batch: hosts,
    roles: [...play.roles],
    handlers: [...play.handlers],
    connections: run.connections,
    forks: run.forks,
    emit: run.emit,
    addSecret: run.addSecret,
    onceCaches: new Map(),
    ended: false,
    skippingToStart: run.skippingToStart,
    playbookDir: play.baseDir,
    loader: run.loader,
    controllerLedger: run.controllerLedger,
  };

  for (const batch of batches(hosts, play.serial)) {
    pc.batch = batch;
    for (const n of batch) hostState(pc, n).ended = false;
    if (play.gather_facts && tagsSelect(['always'], run.options.tags, run.options.skipTags)) await gatherFacts(pc, batch);
    if (play.strategy === 'free') await Promise.all(batch.map((n) => runSections(pc, [n])));
    else await runSections(pc, batch);

    const failed = batch.filter((n) => hostState(pc, n).failed || hostState(pc, n).unreachable).length;
    if (pc.ended || run.options.signal?.aborted) break;
    if (play.max_fail_percentage !== undefined && (failed / batch.length) * 100 > play.max_fail_percentage) {
      run.emit({ type: 'warning', message: `max_fail_percentage ${play.max_fail_percentage}% exceeded in a batch (${failed}/${batch.length} failed); stopping the play`, loc: play.loc });
      break;
    }
    if (play.serial && failed === batch.length) break;
  }
  run.skippingToStart = pc.skippingToStart;
}

async function runSections(pc: PlayContext, hosts: string[]): Promise<void> {
  const groups: Item[][] = [[], [], []];
  for (const s of pc.play.sections) groups[s.name === 'pre_tasks' ? 0 : s.name === 'post_tasks' ? 2 : 1]!.push(...s.items);
  for (const items of groups) {
    if (pc.ended) return;
    if (items.length === 0) continue;
    await runItems(pc, items, hosts, { vars: [] });
    // interrupted: no handler starts either, as in Ansible
    if (pc.options.signal?.aborted) return;
    await flushHandlers(pc, hosts);
  }
}

async function gatherFacts(pc: PlayContext, hosts: string[]): Promise<void> {
  const todo = hosts.filter((n) => hostState(pc, n).alive && !hostState(pc, n).gatheredFacts);
  if (todo.length === 0) return;
  pc.emit({ type: 'task_start', name: 'Gathering Facts', module: 'setup', handler: false, hosts: todo, loc: pc.play.loc });
  await Promise.all(
    todo.map((n) =>
      pc.forks.add(async () => {
        const h = hostState(pc, n);
        const started = Date.now();
        try {
          const vars = varsFor(pc, n, { vars: [] }, undefined, {});
          const t = await pc.connections.get(n, vars);
          const r = await t.exec(FACTS_SCRIPT);
          if (r.rc !== 0) throw new Error(`fact gathering failed (exit ${r.rc}): ${r.stderr.trim()}`);
          h.gatheredFacts = { ...parseFacts(r.stdout) };
          countResult(h.stats, { status: 'ok' });
          pc.emit({ type: 'host_result', host: n, task: 'Gathering Facts', module: 'setup', status: 'ok', changes: [], durationMs: Date.now() - started });
        } catch (e) {
          const unreachable = e instanceof TransportError;
          if (unreachable) {
            h.unreachable = true;
            countResult(h.stats, { status: 'unreachable' });
          } else {
            h.failed = true;
            countResult(h.stats, { status: 'failed' });
          }
          const msg = e instanceof KplayError ? formatError(e) : e instanceof Error ? e.message : String(e);
          pc.emit({ type: 'host_result', host: n, task: 'Gathering Facts', module: 'setup', status: unreachable ? 'unreachable' : 'failed', changes: [], msg, durationMs: Date.now() - started });
        }
      }),
    ),
  );
}

function orderHosts(hosts: string[], order: Play['order']): string[] {
  switch (order) {
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle':
      return [...hosts].map((h) => [Math.random(), h] as const).sort((a, b) => a[0] - b[0]).map(([, h]) => h);
    default:
      return hosts;
  }
}

/** serial: a number, a percentage, or a list of either (the last size repeats). */
export function batches(hosts: string[], serial: (number | string)[] | undefined): string[][] {
  if (!serial || serial.length === 0) return [hosts];
  const sizes = serial.map((s) => {
    if (typeof s === 'number') return s;
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(s.trim());
    if (pct) return Math.max(1, Math.floor((hosts.length * Number(pct[1])) / 100));
    return Number(s);
  });
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = Math.max(1, sizes[Math.min(k, sizes.length - 1)]! || hosts.length);
    out.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return out;
}
