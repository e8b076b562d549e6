/**
 * The top of the executor: plays in order over one set of host states and connections, every
 * event through the redactor, the recap, and the exit code as ansible-playbook gives it.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { Playbook } from '../playbook/model.ts';
import type { RunEvent } from '../report/events.ts';
import { censor, createRedactor } from '../report/redact.ts';
import { recapExitCode } from '../report/recap.ts';
import { ConnectionPool, type TransportFactory } from './connections.ts';
import { HostState } from './host-state.ts';
import { HostLedger } from './ledger.ts';
import type { InventoryView } from './inventory-view.ts';
import type { RunOptions } from './options.ts';
import type { DynamicLoader, EventInput } from './play-context.ts';
import { runPlay, type RunShared } from './play-runner.ts';

export interface RunSummary {
  exitCode: 0 | 2 | 3 | 99;
  hosts: Map<string, HostState>;
  /** Hosts that failed or were unreachable (for --limit @failed). */
  failedHosts: string[];
}

export interface RunInput {
  playbooks: Playbook[];
  inventory: InventoryView;
  options: RunOptions;
  transports: TransportFactory;
  loader: DynamicLoader;
  /** Values that must never be printed (passwords from vars or prompts, key contents). */
  secrets?: string[];
}

/** Connection variables whose values are secret wherever they come from. */
const SECRET_VARS = ['ansible_password', 'ansible_ssh_pass', 'ansible_become_password', 'ansible_become_pass', 'ansible_ssh_private_key_passphrase'];

export async function runPlaybooks(input: RunInput): Promise<RunSummary> {
  const { options, inventory } = input;
  const started = Date.now();
  const redactor = createRedactor(input.secrets ?? []);
  for (const h of inventory.hosts()) {
    const vars = inventory.hostVars(h);
    for (const k of SECRET_VARS) if (typeof vars[k] === 'string') redactor.add(vars[k] as string);
  }
  for (const k of SECRET_VARS) if (typeof options.extraVars[k] === 'string') redactor.add(options.extraVars[k] as string);
  if (options.connection.password) redactor.add(options.connection.password);
  if (options.connection.becomePassword) redactor.add(options.connection.becomePassword);
  // the run's own connection keys: their text is masked wherever it would turn up
  for (const path of connectionKeyFiles(inventory, options)) {
    try {
      if (statSync(path).size <= 1 << 20) redactor.add(readFileSync(path, 'utf8'));
    } catch {
      // a missing key file is the transport's error to report, not a secret
    }
  }

  // the one point every event passes: no_log results are censored, then every secret is masked
  const emit = (e: EventInput) => {
    const event = { ...e, time: Date.now() } as RunEvent;
    options.reporter.on(redactor.event(event.type === 'host_result' && event.censored ? censor(event) : event));
  };
  const addSecret = (v: unknown) => {
    for (const s of leafStrings(v)) redactor.add(s);
  };

  const hosts = new Map<string, HostState>();
  const connections = new ConnectionPool(input.transports);
  const run: RunShared = {
    options,
    inventory,
    hosts,
    connections,
    forks: new PQueue({ concurrency: Math.max(1, options.forks) }),
    emit,
    addSecret,
    loader: input.loader,
    controllerLedger: new HostLedger(),
    ...(options.limit !== undefined ? { limit: new Set(inventory.match(options.limit)) } : {}),
    skippingToStart: options.startAtTask !== undefined,
  };

  emit({ type: 'run_start', playbooks: input.playbooks.map((p) => p.file), check: options.check, diff: options.diff });
  try {
    for (const pb of input.playbooks) {
      for (const play of pb.plays) {
        if (options.signal?.aborted) break;
        await runPlay(run, play);
      }
    }
  } finally {
    await connections.closeAll();
  }

  const stats = Object.fromEntries([...hosts].filter(([, h]) => h.inPlay).map(([n, h]) => [n, h.stats]));
  emit({ type: 'recap', hosts: stats, durationMs: Date.now() - started, check: options.check });
  const failedHosts = [...hosts.values()].filter((h) => h.failed || h.unreachable).map((h) => h.name);
  // interrupted at any point, even during the last task: the run did not finish
  const exitCode = options.signal?.aborted ? 99 : recapExitCode(stats);
  return { exitCode, hosts, failedHosts };
}

const KEY_VARS = ['ansible_ssh_private_key_file', 'ansible_private_key_file'];

function connectionKeyFiles(inventory: InventoryView, options: RunOptions): Set<string> {
  const paths = new Set<string>();
  const add = (p: unknown) => {
    if (typeof p === 'string' && p !== '') paths.add(p.startsWith('~/') ? join(homedir(), p.slice(2)) : p);
  };
  add(options.connection.privateKeyPath);
  for (const k of KEY_VARS) add(options.extraVars[k]);
  for (const h of inventory.hosts()) for (const k of KEY_VARS) add(inventory.hostVars(h)[k]);
  return paths;
}

function leafStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) leafStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) leafStrings(x, out);
  return out;
}
