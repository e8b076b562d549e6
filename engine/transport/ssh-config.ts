/**
 * The subset of OpenSSH client configuration kplay honours: HostName, User, Port, IdentityFile,
 * ProxyJump (and ProxyCommand of the `ssh -W %h:%p` kind), from ~/.ssh/config through the
 * ssh-config package, plus the `-o Key=Value` / `-J` words of ansible_ssh_common_args.
 * `Match exec` is never evaluated: reading configuration must not run commands.
 */
import { shlexWords } from '../util/shlex.ts';
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { runMemo, type RunScope } from '../util/run-scope.ts';

export interface SshConfigEntry {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  proxyCommand?: string;
  strictHostKeyChecking?: string;
  userKnownHostsFiles?: string[];
  connectTimeoutSec?: number;
}

/** ~/.ssh/config as the run found it first: every host of the run sees the same file. */
const PARSED = runMemo('ssh config files', () => new Map<string, SSHConfig | null>());

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

/** Parse a config file, once per run when given the run; a missing or unreadable file is an empty config. */
export function loadSshConfig(path = defaultSshConfigPath(), scope?: RunScope): SSHConfig | null {
  const parsed = scope?.get(PARSED);
  if (parsed?.has(path)) return parsed.get(path)!;
  let cfg: SSHConfig | null = null;
  try {
    cfg = SSHConfig.parse(readFileSync(path, 'utf8'));
  } catch {
    cfg = null;
  }
  parsed?.set(path, cfg);
  return cfg;
}

/** ssh_config's `~` and `%d %h %u %r %%` tokens in paths. */
export function expandSshPath(p: string, host: string, remoteUser?: string): string {
  const home = homedir();
  let out = p.startsWith('~/') ? join(home, p.slice(2)) : p === '~' ? home : p;
  out = out.replace(/%([%dhur])/g, (_m, t: string) => {
    switch (t) {
      case 'd':
        return home;
      case 'h':
        return host;
      case 'u':
        return userInfo().username;
      case 'r':
        return remoteUser ?? userInfo().username;
      default:
        return '%';
    }
  });
  return out;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** What the config says for the name given on the "command line" (ansible_host or the inventory name). */
export function sshConfigFor(name: string, config: SSHConfig | null = loadSshConfig()): SshConfigEntry {
  if (!config) return { identityFiles: [] };
  const c = config.compute(name, { ignoreCase: true, matchExec: false } as Parameters<SSHConfig['compute']>[1]) as Record<string, string | string[] | undefined>;
  return fromDirectives(c, name);
}

function fromDirectives(c: Record<string, string | string[] | undefined>, name: string): SshConfigEntry {
  const hostName = first(c['hostname']);
  const user = first(c['user']);
  const port = first(c['port']);
  const proxyJump = first(c['proxyjump']);
  const proxyCommand = first(c['proxycommand']);
  const strict = first(c['stricthostkeychecking']);
  const timeout = first(c['connecttimeout']);
  const resolvedHost = hostName ? hostName.replace(/%h/g, name) : undefined;
  const out: SshConfigEntry = {
    identityFiles: all(c['identityfile']).map((f) => expandSshPath(f, resolvedHost ?? name, user)),
  };
  if (resolvedHost) out.hostName = resolvedHost;
  if (user) out.user = user;
  if (port && /^\d+$/.test(port)) out.port = Number(port);
  if (proxyJump && proxyJump.toLowerCase() !== 'none') out.proxyJump = proxyJump;
  if (proxyCommand && proxyCommand.toLowerCase() !== 'none') out.proxyCommand = proxyCommand;
  if (strict) out.strictHostKeyChecking = strict.toLowerCase();
  const known = all(c['userknownhostsfile']).flatMap((f) => f.split(/\s+/)).filter(Boolean);
  if (known.length) out.userKnownHostsFiles = known.map((f) => expandSshPath(f, resolvedHost ?? name, user));
  if (timeout && /^\d+$/.test(timeout)) out.connectTimeoutSec = Number(timeout);
  return out;
}

/** Split a command line like sh does for quotes and backslashes (no expansions): ansible_ssh_common_args. */
export const splitArgs = shlexWords;

/**
 * `-o Key=Value`, `-o Key Value`, `-oKey=Value`, `-J spec`, `-i file`, `-p port`, `-l user` from
 * ssh arguments, as config directives (lower-case keys) that win over ~/.ssh/config.
 * Options we do not use (ControlMaster, ServerAliveInterval …) are ignored.
 */
export function sshArgsToEntry(args: string, host: string): Partial<SshConfigEntry> {
  const words = splitArgs(args);
  const d: Record<string, string[]> = {};
  const add = (k: string, v: string) => {
    (d[k.toLowerCase()] ??= []).push(v);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const optValue = (flag: string): string | undefined => (w === flag ? words[++i] : w.startsWith(flag) ? w.slice(flag.length) : undefined);
    let v: string | undefined;
    if ((v = optValue('-o')) !== undefined) {
      const m = /^([A-Za-z]+)\s*(?:=|\s)\s*(.*)$/s.exec(v);
      if (m) add(m[1]!, m[2]!);
      else if (/^[A-Za-z]+$/.test(v) && i + 1 < words.length) add(v, words[++i]!);
    } else if ((v = optValue('-J')) !== undefined) add('proxyjump', v);
    else if ((v = optValue('-i')) !== undefined) add('identityfile', v);
    else if ((v = optValue('-p')) !== undefined) add('port', v);
    else if ((v = optValue('-l')) !== undefined) add('user', v);
  }
  const e = fromDirectives(d, host);
  const out: Partial<SshConfigEntry> = { ...e };
  if (e.identityFiles.length === 0) delete out.identityFiles;
  return out;
}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

/** `[user@]host[:port]` (and `ssh://user@host:port`); IPv6 as `[::1]:22`. A comma list is hops in order. */
export function parseJumpList(spec: string): JumpSpec[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hop) => {
      const s = hop.replace(/^ssh:\/\//, '');
      const at = s.lastIndexOf('@');
      const user = at >= 0 ? s.slice(0, at) : undefined;
      const rest = at >= 0 ? s.slice(at + 1) : s;
      let host = rest;
      let port: number | undefined;
      const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
      if (v6) {
        host = v6[1]!;
        if (v6[2]) port = Number(v6[2]);
      } else {
        const m = /^([^:]+):(\d+)$/.exec(rest);
        if (m) {
          host = m[1]!;
          port = Number(m[2]);
        }
      }
      if (!host) throw new Error(`bad ProxyJump hop: ${hop}`);
      return { ...(user ? { user } : {}), host, ...(port ? { port } : {}) };
    });
}

/**
 * The ProxyCommand forms that are really a jump: `ssh [-p P] [-l U] [-i K] -W %h:%p [user@]host`.
 * Anything else (nc, corkscrew, …) cannot run without a local process: undefined.
 */
export function proxyCommandAsJump(cmd: string): (JumpSpec & { identityFile?: string }) | undefined {
  const w = splitArgs(cmd);
  if (w.length === 0 || !/(^|\/)ssh$/.test(w[0]!)) return undefined;
  let forward: string | undefined;
  let port: number | undefined;
  let user: string | undefined;
  let identityFile: string | undefined;
  let dest: string | undefined;
  const withValue = new Set(['-p', '-l', '-i', '-W', '-o', '-F', '-J', '-b', '-c', '-m', '-E']);
  for (let i = 1; i < w.length; i++) {
    const a = w[i]!;
    if (a.startsWith('-') && a.length > 1) {
      const flag = a.slice(0, 2);
      const val = a.length > 2 ? a.slice(2) : withValue.has(flag) ? w[++i] : undefined;
      if (flag === '-W') forward = val;
      else if (flag === '-p' && val) port = Number(val);
      else if (flag === '-l') user = val;
      else if (flag === '-i') identityFile = val;
      else if (flag === '-o' && val && /^port[= ]/i.test(val)) port = Number(val.replace(/^port[= ]\s*/i, ''));
      else if (flag === '-o' && val && /^user[= ]/i.test(val)) user = val.replace(/^user[= ]\s*/i, '');
    } else if (!dest) {
      dest = a;
    }
  }
  if (!forward || !/^\[?%h\]?:%p$/.test(forward) || !dest) return undefined;
  const [hop] = parseJumpList(dest);
  if (!hop) return undefined;
  return {
    ...hop,
    ...(user && !hop.user ? { user } : {}),
    ...(port && !hop.port ? { port } : {}),
    ...(identityFile ? { identityFile } : {}),
  };
}
