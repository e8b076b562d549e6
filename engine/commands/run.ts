/** `kplay run PLAYBOOK...`: load and validate everything, then (unless only listing) execute. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { KplayError, KplayErrors } from '../errors.ts';
import { loadConfig } from '../config.ts';
import type { Playbook, Vars } from '../playbook/model.ts';
import { loadPlaybook, loadTaskFile, loadRoleForInclude, loadVarsFile } from '../load/index.ts';
import { parseYamlOrThrow } from '../load/yaml.ts';
import { Inventory } from '../inventory/index.ts';
import { persistSecFor, transportFor } from '../transport/connect.ts';
import { DEFAULT_SSH_PERSIST_SEC, prestartKeeper } from '../transport/keeper/locate.ts';
import { RunScope } from '../util/run-scope.ts';
import { ConsoleReporter } from '../report/console.ts';
import { JsonReporter } from '../report/json.ts';
import type { Reporter } from '../report/events.ts';
import { runPlaybooks } from '../executor/run-playbook.ts';
import type { RunOptions } from '../executor/options.ts';
import { hostPattern } from '../executor/play-runner.ts';
import { commaList, count, parse, strings } from './args.ts';
import { listing } from './listing.ts';
import { noTerminal } from './prompt.ts';
import { SHIPPED_PLAYBOOKS } from '../package-root.ts';

export const RUN_OPTIONS = {
  inventory: { type: 'string', short: 'i', multiple: true },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  limit: { type: 'string', short: 'l' },
  tags: { type: 'string', short: 't', multiple: true },
  'skip-tags': { type: 'string', multiple: true },
  check: { type: 'boolean', short: 'C' },
  diff: { type: 'boolean', short: 'D' },
  forks: { type: 'string', short: 'f' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  'syntax-check': { type: 'boolean' },
  'list-hosts': { type: 'boolean' },
  'list-tasks': { type: 'boolean' },
  'list-tags': { type: 'boolean' },
  'start-at-task': { type: 'string' },
  json: { type: 'boolean' },
  user: { type: 'string', short: 'u' },
  'private-key': { type: 'string' },
  'key-file': { type: 'string' },
  'ask-pass': { type: 'boolean', short: 'k' },
  become: { type: 'boolean', short: 'b' },
  'become-user': { type: 'string' },
  'become-method': { type: 'string' },
  'ask-become-pass': { type: 'boolean', short: 'K' },
  timeout: { type: 'string', short: 'T' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const RUN_HELP = `usage: kplay run PLAYBOOK... [options]

  PLAYBOOK is a file; a bare name that is no file here (site.yml, etcd.yml, …) runs the playbook
  kplay ships under that name (the first line of the output says so).

  -i, --inventory INV      inventory file, directory or host list (repeatable)
  -e, --extra-vars VARS    k=v pairs, @file.yml, or YAML/JSON (repeatable; highest precedence)
  -l, --limit PATTERN      further limit hosts; @failed re-runs the hosts that failed last time
  -t, --tags TAGS          only tasks with these tags      --skip-tags TAGS   skip these tags
  -C, --check              plan only: nothing is changed   -D, --diff         show diffs of changes
  -f, --forks N            parallel hosts (default: all hosts, at most 50)
  -v, -vv                  show results                     --json             NDJSON events on stdout
      --syntax-check       load and validate, then stop     --list-hosts / --list-tasks / --list-tags
      --start-at-task NAME start at the task with this name
  -u, --user USER          remote user                      --private-key FILE ssh key
  -k, --ask-pass           prompt for the ssh password      -T, --timeout S    connect timeout
  -b, --become             become (sudo) on the host        --become-user USER / --become-method sudo|su
  -K, --ask-become-pass    prompt for the become password

exit codes: 0 ok, 1 error, 2 a host failed, 3 a host unreachable, 4 parse/validation error,
5 bad options, 99 interrupted, 250 internal error`;

/** -e k=v k2=v2 | -e @file.yml | -e '{"json": 1}' | -e 'yaml: 1' */
export function parseExtraVars(values: string[]): Vars {
  const out: Vars = {};
  for (const v of values) {
    if (v.startsWith('@')) {
      Object.assign(out, loadVarsFile(resolve(v.slice(1))));
    } else if (/^\s*[{[]/.test(v)) {
      const parsed = parseYamlOrThrow(v, '(-e)');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new KplayError('KPLAY_OPTIONS', `-e ${v}: expected a mapping`);
      Object.assign(out, parsed);
    } else {
      for (const pair of v.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new KplayError('KPLAY_OPTIONS', `-e ${v}: expected key=value, @file or JSON`);
        out[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^(['"])(.*)\1$/, '$2');
      }
    }
  }
  return out;
}

/**
 * A playbook is a file where the user stands; a bare name that is not one (`site.yml`,
 * `etcd`) is one of the playbooks kplay ships, as `ansible-playbook cluster.yml` in a Kubespray
 * checkout.
 */
export function locatePlaybook(p: string): string {
  const local = resolve(p);
  if (existsSync(local)) return local;
  if (!p.includes('/')) {
    for (const name of [p, `${p}.yml`]) {
      const candidate = join(SHIPPED_PLAYBOOKS, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new KplayError('KPLAY_OPTIONS', `playbook not found: ${local}`, {
    hint: `kplay ships ${shippedPlaybooks().join(', ')} (run by name, e.g. kplay run site.yml -i inventory/mycluster/)`,
  });
}

function shippedPlaybooks(): string[] {
  try {
    return readdirSync(SHIPPED_PLAYBOOKS).filter((f) => f.endsWith('.yml') && f !== 'kplay.yml').sort();
  } catch {
    return [];
  }
}

function lastFailedFile(playbook: string): string {
  return join(dirname(resolve(playbook)), '.kplay', 'last-failed');
}

/** A run's terminal: where it writes, how it asks for secrets, how it hears Ctrl-C (engine/cli.ts). */
export interface RunIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Asks on the user's terminal without echo; absent when stdin is no terminal. */
  askSecret?: (question: string) => Promise<string>;
  /** -K without a terminal: the become password is the first line of a piped stdin. */
  readPipedSecret?: (question: string) => Promise<string>;
  /** Registers what Ctrl-C does; returns its removal. None: the run cannot be interrupted but by a kill. */
  onInterrupt?: (fn: () => void) => () => void;
}

export async function runCommand(argv: string[], io: RunIo): Promise<number> {
  // the run's start and caches, dropped with it (util/run-scope.ts)
  const scope = new RunScope();
  const { out, err } = io;
  const { flags, positionals } = parse(argv, RUN_OPTIONS);
  if (flags.help) {
    out.write(`${RUN_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new KplayError('KPLAY_OPTIONS', 'no playbook given', { hint: 'kplay run site.yml -i inventory/' });
  const playbookFiles = positionals.map((p) => locatePlaybook(p));
  const shipped = playbookFiles.filter((p, i) => p !== resolve(positionals[i]!));
  if (shipped.length) (flags.json ? io.err : out).write(`kplay: no ${shipped.map((p) => basename(p)).join(', ')} here: running the playbook kplay ships, ${shipped.join(', ')}\n`);

  const cfg = loadConfig(playbookFiles[0]);
  const playbookDir = dirname(playbookFiles[0]!);
  const extraVars = parseExtraVars(strings(flags['extra-vars']));
  const rolesPath = cfg.roles_path ?? [];

  // 1. everything is loaded and validated before the first connection
  const invSources = strings(flags.inventory).map((p) => (p.includes(',') ? p : resolve(p)));
  const sources = invSources.length ? invSources : (cfg.inventory ?? []);
  const inventory = Inventory.load(sources, { playbookDir, groupRules: { aliases: cfg.group_aliases, computed: cfg.computed_groups } });
  const persistSec = cfg.ssh_persist ?? DEFAULT_SSH_PERSIST_SEC;
  const planOnly = flags['syntax-check'] || flags['list-hosts'] || flags['list-tasks'] || flags['list-tags'];
  if (!planOnly && inventory.hosts().some((h) => persistSecFor(h, inventory.hostVars(h), { persistSec }) > 0)) prestartKeeper();
  const errors: KplayError[] = [];
  const playbooks: Playbook[] = [];
  const warnings: { message: string; loc?: KplayError['loc'] }[] = [];
  for (const file of playbookFiles) {
    try {
      const r = loadPlaybook(file, { rolesPath, extraVars });
      playbooks.push(r.playbook);
      warnings.push(...r.warnings);
    } catch (e) {
      if (e instanceof KplayErrors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length) throw new KplayErrors(errors);
  for (const pb of playbooks) {
    for (const play of pb.plays) {
      const pattern = hostPattern(play, extraVars);
      if (inventory.match(pattern).length === 0) warnings.push({ message: `no hosts matched the pattern '${pattern}'`, loc: play.loc });
    }
  }
  const json = flags.json === true;
  warnings.unshift(...inventory.warnings.map((w) => ({ message: w.hint ? `${w.message} (${w.hint})` : w.message, ...(w.loc ? { loc: w.loc } : {}) })));
  if (!json) for (const w of warnings) err.write(`[WARNING]: ${w.loc ? `${w.loc.file}:${w.loc.line}:${w.loc.col}: ` : ''}${w.message}\n`);

  let limit = typeof flags.limit === 'string' ? flags.limit : undefined;
  if (limit === '@failed') {
    const f = lastFailedFile(playbookFiles[0]!);
    if (!existsSync(f)) throw new KplayError('KPLAY_OPTIONS', `--limit @failed: no failed hosts recorded (${f} does not exist)`);
    limit = readFileSync(f, 'utf8').split('\n').filter(Boolean).join(',');
    if (!limit) throw new KplayError('KPLAY_OPTIONS', '--limit @failed: the last run had no failed hosts');
  } else if (limit?.startsWith('@')) {
    limit = readFileSync(resolve(limit.slice(1)), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean).join(',');
  }
  const tags = commaList(flags.tags);
  const skipTags = commaList(flags['skip-tags']);

  if (flags['syntax-check']) {
    out.write(`playbook: ${playbookFiles.join(', ')}: syntax OK\n`);
    return 0;
  }
  if (flags['list-hosts'] || flags['list-tasks'] || flags['list-tags']) {
    out.write(listing(playbooks, inventory, { limit, tags, skipTags, hosts: !!flags['list-hosts'], tasks: !!flags['list-tasks'], tagsList: !!flags['list-tags'] }));
    return 0;
  }

  // 2. secrets asked for up front, never echoed
  const ask = io.askSecret ?? noTerminal;
  const password = flags['ask-pass'] ? await ask('SSH password: ') : undefined;
  const becomePassword = flags['ask-become-pass'] ? await (io.askSecret ?? io.readPipedSecret ?? noTerminal)('BECOME password: ') : undefined;

  const inventoryDir = inventory.inventoryDirs()[0] ?? playbookDir;
  const reporter: Reporter = json
    ? new JsonReporter(out)
    : new ConsoleReporter({ out, color: (out as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR, verbosity: count(flags.verbose), diff: flags.diff === true, check: flags.check === true });
  const hostCount = inventory.hosts().length || 1;
  const forks = flags.forks !== undefined ? Number(flags.forks) : (cfg.forks ?? Math.min(50, Math.max(hostCount, 1)));
  if (!Number.isInteger(forks) || forks < 1) throw new KplayError('KPLAY_OPTIONS', `--forks must be a positive integer, not ${String(flags.forks)}`);
  const timeoutMs = (flags.timeout !== undefined ? Number(flags.timeout) : (cfg.timeout ?? 10)) * 1000;
  const abort = new AbortController();
  const stopListening = io.onInterrupt?.(() => abort.abort()) ?? (() => {});

  const connection: RunOptions['connection'] = {
    ...(typeof flags.user === 'string' ? { user: flags.user } : cfg.remote_user ? { user: cfg.remote_user } : {}),
    ...(typeof flags['private-key'] === 'string' || typeof flags['key-file'] === 'string'
      ? { privateKeyPath: resolve(String(flags['private-key'] ?? flags['key-file'])) }
      : cfg.private_key_file ? { privateKeyPath: cfg.private_key_file } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(flags.become || cfg.become ? { become: true } : {}),
    ...(typeof flags['become-user'] === 'string' ? { becomeUser: flags['become-user'] } : cfg.become_user ? { becomeUser: cfg.become_user } : {}),
    ...(typeof flags['become-method'] === 'string' ? { becomeMethod: flags['become-method'] as 'sudo' | 'su' } : cfg.become_method ? { becomeMethod: cfg.become_method } : {}),
    ...(becomePassword !== undefined ? { becomePassword } : {}),
    hostKeyChecking: cfg.host_key_checking ?? 'strict',
    knownHostsFiles: [join(inventoryDir, 'known_hosts'), join(homedir(), '.ssh', 'known_hosts')],
    timeoutMs,
  };
  const options: RunOptions = {
    check: flags.check === true,
    diff: flags.diff === true,
    forks,
    verbosity: count(flags.verbose),
    extraVars,
    ...(limit !== undefined ? { limit } : {}),
    tags,
    skipTags,
    ...(typeof flags['start-at-task'] === 'string' ? { startAtTask: flags['start-at-task'] } : {}),
    connection,
    pkiDir: cfg.pki_dir ?? join(inventoryDir, 'pki'),
    cacheDir: cfg.cache_dir ?? join(homedir(), '.cache', 'kplay', 'downloads'),
    inventoryDir,
    strategy: cfg.strategy ?? 'linear',
    reporter,
    signal: abort.signal,
  };

  try {
    const summary = await runPlaybooks({
      playbooks,
      inventory,
      options,
      transports: (host, vars) =>
        transportFor(host, vars, {
          ...(connection.user ? { user: connection.user } : {}),
          ...(connection.privateKeyPath ? { privateKeyPath: connection.privateKeyPath } : {}),
          ...(connection.password ? { password: connection.password } : {}),
          hostKeyChecking: connection.hostKeyChecking ?? 'strict',
          knownHostsFiles: connection.knownHostsFiles ?? [],
          timeoutMs,
          persistSec,
          scope,
          // an encrypted key without KPLAY_SSH_PASSPHRASE: ask on the terminal (once per key), never in CI
          ...(io.askSecret ? { askPass: (key: string) => ask(`Passphrase for ${key}: `) } : {}),
        }),
      loader: {
        taskFile: (path, caller) => loadTaskFile(path, caller),
        role: (name, caller, appIndex) => loadRoleForInclude(name, caller, appIndex, { rolesPath, playbookDir }),
      },
      ...(password || becomePassword ? { secrets: [password, becomePassword].filter((s): s is string => !!s) } : {}),
    });
    await reporter.close?.();
    const f = lastFailedFile(playbookFiles[0]!);
    try {
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, summary.failedHosts.map((h) => `${h}\n`).join(''));
    } catch {
      // a read-only playbook directory only costs --limit @failed
    }
    return summary.exitCode;
  } finally {
    stopListening();
  }
}
