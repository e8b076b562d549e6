/**
 * Inventory variables (+ command-line options + ~/.ssh/config) → the Transport for one host.
 *
 * Precedence, highest first, per setting:
 *   ansible_* host variables > ansible_ssh_common_args/extra_args words > command line (-u, --private-key)
 *   > ~/.ssh/config for the name > defaults.
 * This is Ansible's order: inventory connection variables beat -u, and ssh's own config fills the gaps.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { KplayError } from '../errors.ts';
import { offOrSeconds } from '../config.ts';
import type { Vars } from '../playbook/model.ts';
import type { BecomeSpec, Transport } from './transport.ts';
import { LocalTransport } from './local.ts';
import { SshTransport, type SshOptions } from './ssh.ts';
import { KeptTransport } from './keeper/client.ts';
import { becomeFromVars, truthy } from './become.ts';
import type { HostKeyChecking } from './hostkeys.ts';
import type { PassphrasePrompt } from './ssh-auth.ts';
import type { RunScope } from '../util/run-scope.ts';
import {
  expandSshPath,
  loadSshConfig,
  parseJumpList,
  proxyCommandAsJump,
  sshArgsToEntry,
  sshConfigFor,
  type JumpSpec,
  type SshConfigEntry,
} from './ssh-config.ts';
import type SSHConfig from 'ssh-config';

export interface CliConnectionOptions {
  user?: string;
  privateKeyPath?: string;
  password?: string;
  /** Asked for a key passphrase when KPLAY_SSH_PASSPHRASE does not decrypt the key. */
  askPass?: PassphrasePrompt;
  hostKeyChecking?: HostKeyChecking;
  knownHostsFiles?: string[];
  timeoutMs?: number;
  /** ~/.ssh/config by default; null: ignore ssh config (tests). */
  sshConfig?: SSHConfig | null;
  /**
   * Keep each host's connection open this long after the run, in the connection keeper
   * (keeper/server.ts), for the next run; 0 or unset: connect directly. kplay_ssh_persist wins.
   */
  persistSec?: number;
  /** The run the connections serve: its start, and the keys its hosts share once decrypted. */
  scope?: RunScope;
}

export function transportFor(host: string, vars: Vars, cli: CliConnectionOptions = {}): Transport {
  const connection = str(vars['ansible_connection']) ?? 'ssh';
  if (connection === 'local') return new LocalTransport(host, cli.scope?.startedAt);
  if (connection !== 'ssh' && connection !== 'paramiko' && connection !== 'smart') {
    throw new KplayError('KPLAY_INVENTORY', `${host}: ansible_connection=${connection} is not supported (ssh, local)`);
  }
  const opts = sshOptionsFor(host, vars, cli);
  const persistSec = persistSecFor(host, vars, cli);
  if (persistSec <= 0) return new SshTransport(opts);
  return new KeptTransport(opts, persistSec * 1000);
}

/**
 * How long the host's connection is kept for the next run (0: not kept, and always 0 for a local
 * host). The run asks before it loads its playbooks, to start the keeper early.
 */
export function persistSecFor(host: string, vars: Vars, cli: CliConnectionOptions = {}): number {
  if ((str(vars['ansible_connection']) ?? 'ssh') === 'local') return 0;
  return offOrSeconds(vars['kplay_ssh_persist'], `${host}: kplay_ssh_persist`, 'KPLAY_INVENTORY') ?? cli.persistSec ?? 0;
}

/** The SshOptions for a host; exported so tests and `kplay inventory --host` can show them. */
export function sshOptionsFor(host: string, vars: Vars, cli: CliConnectionOptions = {}): SshOptions {
  const config = cli.sshConfig === undefined ? loadSshConfig(undefined, cli.scope) : cli.sshConfig;
  const name = str(vars['ansible_host']) ?? str(vars['ansible_ssh_host']) ?? host;
  const fromFile = sshConfigFor(name, config);
  const argText = [str(vars['ansible_ssh_common_args']), str(vars['ansible_ssh_extra_args'])].filter(Boolean).join(' ');
  let fromArgs: Partial<SshConfigEntry>;
  try {
    fromArgs = argText ? sshArgsToEntry(argText, name) : {};
  } catch (e) {
    throw new KplayError('KPLAY_INVENTORY', `${host}: cannot parse ansible_ssh_common_args: ${(e as Error).message}`);
  }

  const port = num(vars['ansible_port']) ?? num(vars['ansible_ssh_port']) ?? fromArgs.port ?? fromFile.port;
  const user =
    str(vars['ansible_user']) ?? str(vars['ansible_ssh_user']) ?? fromArgs.user ?? cli.user ?? fromFile.user ?? userInfo().username;
  const keyVar = str(vars['ansible_ssh_private_key_file']) ?? str(vars['ansible_private_key_file']);
  const identity = keyVar ?? fromArgs.identityFiles?.[0] ?? cli.privateKeyPath ?? fromFile.identityFiles.find((f) => existsSync(f));
  const password = str(vars['ansible_password']) ?? str(vars['ansible_ssh_pass']) ?? str(vars['ansible_ssh_password']) ?? cli.password;

  const knownHostsFiles = [
    ...(fromArgs.userKnownHostsFiles ?? []),
    ...(cli.knownHostsFiles && cli.knownHostsFiles.length ? cli.knownHostsFiles : [join(homedir(), '.ssh', 'known_hosts')]),
  ];
  const checking =
    hostKeyCheckingFrom(vars['ansible_host_key_checking'] ?? vars['ansible_ssh_host_key_checking'], host) ??
    hostKeyCheckingFrom(fromArgs.strictHostKeyChecking, host) ??
    cli.hostKeyChecking ??
    hostKeyCheckingFrom(fromFile.strictHostKeyChecking, host) ??
    'strict';
  const timeoutSec = num(vars['ansible_ssh_timeout']) ?? num(vars['ansible_timeout']) ?? fromArgs.connectTimeoutSec;
  const connectTimeoutMs = timeoutSec !== undefined ? timeoutSec * 1000 : (cli.timeoutMs ?? (fromFile.connectTimeoutSec ? fromFile.connectTimeoutSec * 1000 : undefined));

  const opts: SshOptions = {
    host,
    address: fromArgs.hostName ?? fromFile.hostName ?? name,
    user,
    knownHostsFiles,
    hostKeyChecking: checking,
  };
  if (port !== undefined) opts.port = port;
  if (identity) opts.privateKeyPath = expandSshPath(identity, name, user);
  if (password !== undefined) opts.password = password;
  if (cli.askPass) opts.passphrasePrompt = cli.askPass;
  if (cli.scope) opts.scope = cli.scope;
  if (connectTimeoutMs !== undefined) opts.connectTimeoutMs = connectTimeoutMs;
  const maxChannels = num(vars['kplay_ssh_max_channels']);
  if (maxChannels !== undefined) opts.maxChannels = maxChannels;
  if (vars['kplay_ssh_resident_shell'] !== undefined) opts.residentShell = truthy(vars['kplay_ssh_resident_shell']);

  const hops = jumpHops(host, fromArgs, fromFile);
  if (hops.length) opts.jump = chainJumps(hops, opts, config);
  return opts;
}

/** Ansible's become variables → BecomeSpec (undefined when become is off). */
export function becomeFor(vars: Vars): BecomeSpec | undefined {
  return becomeFromVars(vars);
}

function jumpHops(host: string, fromArgs: Partial<SshConfigEntry>, fromFile: SshConfigEntry): (JumpSpec & { identityFile?: string })[] {
  const jump = fromArgs.proxyJump ?? (fromArgs.proxyCommand ? undefined : fromFile.proxyJump);
  if (jump) return parseJumpList(jump);
  const cmd = fromArgs.proxyCommand ?? fromFile.proxyCommand;
  if (!cmd) return [];
  const hop = proxyCommandAsJump(cmd);
  if (!hop) {
    throw new KplayError('KPLAY_INVENTORY', `${host}: ProxyCommand ${JSON.stringify(cmd)} is not supported`, {
      hint: 'use ProxyJump=user@bastion:port, -J user@bastion, or ProxyCommand="ssh -W %h:%p user@bastion"',
    });
  }
  return [hop];
}

/**
 * Hops in order (first = nearest to us) become nested SshOptions: the target's jump is the last
 * hop, whose jump is the one before. Each hop takes its own ~/.ssh/config entry, and otherwise the
 * target's credentials and known_hosts (lab and bastion setups share keys).
 */
function chainJumps(hops: (JumpSpec & { identityFile?: string })[], target: SshOptions, config: SSHConfig | null): SshOptions {
  let prev: SshOptions | undefined;
  for (const hop of hops) {
    const c = sshConfigFor(hop.host, config);
    const o: SshOptions = {
      host: `${hop.host} (jump)`,
      address: c.hostName ?? hop.host,
      user: hop.user ?? c.user ?? target.user!,
      knownHostsFiles: target.knownHostsFiles!,
      hostKeyChecking: target.hostKeyChecking!,
    };
    const port = hop.port ?? c.port;
    if (port !== undefined) o.port = port;
    const key = hop.identityFile ?? c.identityFiles.find((f) => existsSync(f)) ?? target.privateKeyPath;
    if (key) o.privateKeyPath = expandSshPath(key, hop.host, o.user);
    if (target.passphrasePrompt) o.passphrasePrompt = target.passphrasePrompt;
    if (target.scope) o.scope = target.scope;
    if (target.connectTimeoutMs !== undefined) o.connectTimeoutMs = target.connectTimeoutMs;
    if (prev) o.jump = prev;
    prev = o;
  }
  return prev!;
}

function hostKeyCheckingFrom(v: unknown, host: string): HostKeyChecking | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v ? 'strict' : false;
  const s = String(v).trim().toLowerCase();
  if (['yes', 'true', '1', 'on', 'strict', 'ask'].includes(s)) return 'strict';
  if (['no', 'false', '0', 'off'].includes(s)) return false;
  if (s === 'accept-new' || s === 'accept_new') return 'accept-new';
  throw new KplayError('KPLAY_INVENTORY', `${host}: host key checking ${JSON.stringify(v)} is not one of yes, no, accept-new`);
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  return s === '' ? undefined : s;
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
