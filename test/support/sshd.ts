/**
 * Throwaway OpenSSH servers on 127.0.0.1 high ports for transport tests: own sshd_config, own host
 * key, own authorized_keys, pid file in a temp dir. Every such "host" is this machine: use them for
 * transport and parallelism tests only, never for modules that change the system.
 *
 * Needs root (sshd switches to the login user) and Debian's openssh-server (`/usr/sbin/sshd`).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD_BIN = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Serve SFTP (default true); false removes the Subsystem line. */
  sftp?: boolean;
  maxSessions?: number;
  /** sshd's MaxStartups (default here 100:30:200, so that parallel tests are never throttled; sshd's own is 10:30:100). */
  maxStartups?: string;
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** INFO logs each login, which logins() counts (default ERROR). */
  logLevel?: 'ERROR' | 'INFO';
  /** Extra sshd_config lines. */
  config?: string[];
}

export interface Sshd {
  port: number;
  dir: string;
  hostKeyPath: string;
  /** `ssh-ed25519 AAAA…` of the host key. */
  hostPublicKey: string;
  /** A known_hosts line for this server (`[127.0.0.1]:port type base64`). */
  knownHostsLine(): string;
  /** Authorize one more public key (file contents `type base64 comment`). */
  authorize(publicKey: string): void;
  /** SSH logins accepted since start (sshd's "Accepted publickey/password" log lines; needs logLevel INFO). */
  logins(): number;
  /** Number of live sshd processes serving connections (excluding the listener). */
  sessionProcesses(): number;
  /** Signal the processes serving current connections, not the listener (SIGKILL drops them, SIGSTOP freezes them). */
  signalConnections(signal: NodeJS.Signals): number;
  /** Stop the listener and every connection it serves (SIGKILL: as abrupt as a crash). */
  kill(): void;
  /** Start it again on the same port with the same host key (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function sshdAvailable(): string | undefined {
  if (!existsSync(SSHD_BIN)) return `${SSHD_BIN} missing (apt-get install openssh-server)`;
  if (userInfo().uid !== 0) return 'throwaway sshd tests need root';
  return undefined;
}

/**
 * Skip the suite (outside CI) or fail it loudly (CI=true) when throwaway sshd processes cannot run
 * here. Call it first thing in a before() hook.
 */
export function requireSshd(ctx: Mocha.Context): void {
  const why = sshdAvailable();
  if (!why) return;
  if (process.env.CI === 'true') throw new Error(`sshd tests must run in CI, but: ${why}`);
  console.warn(`    (skipping: ${why})`);
  ctx.skip();
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ClientKey {
  path: string;
  publicKey: string;
}

/** Generate a client key pair (ssh-keygen); passphrase '' for none. */
export function makeClientKey(dir: string, type: 'ed25519' | 'ecdsa' | 'rsa', passphrase = '', name = `id_${type}`): ClientKey {
  const path = join(dir, name);
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', passphrase, '-C', `kplay-test-${name}`, '-f', path], { stdio: 'ignore' });
  return { path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces, so split after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      continue;
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

function waitForPort(port: number, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('data', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on port ${port} did not answer within ${boundMs} ms`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const why = sshdAvailable();
  if (why) throw new Error(why);
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'kplay-sshd-'));
  const type = opts.hostKeyType ?? 'ed25519';
  const hostKeyPath = join(dir, `ssh_host_${type}_key`);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', hostKeyPath], { stdio: 'ignore' });
  const hostPublicKey = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, '', { mode: 0o600 });
  const port = await freePort();
  const lines = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKeyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    `MaxSessions ${opts.maxSessions ?? 10}`,
    `MaxStartups ${opts.maxStartups ?? '100:30:200'}`,
    'AllowTcpForwarding yes',
    `LogLevel ${opts.logLevel ?? 'ERROR'}`,
    ...(opts.sftp === false ? [] : ['Subsystem sftp internal-sftp']),
    ...(opts.config ?? []),
  ];
  const configPath = join(dir, 'sshd_config');
  // An empty HOME: bash started by sshd sources ~/.bashrc even for `bash -c`, and a login user's
  // rc file (pyenv rehash takes a lock!) must not make transport tests slow or hang them.
  mkdirSync(join(dir, 'home'), { mode: 0o755 });
  lines.push(`SetEnv HOME=${join(dir, 'home')}`);
  writeFileSync(configPath, `${lines.join('\n')}\n`);

  let child: ChildProcess | undefined;
  let logins = 0;
  const launch = async () => {
    child = spawn(SSHD_BIN, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      const text = b.toString();
      logins += text.match(/^Accepted (?:publickey|password|keyboard-interactive)/gm)?.length ?? 0;
      stderr += text;
    });
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`sshd exited (${code}): ${stderr.trim()}`))));
    await Promise.race([waitForPort(port, 10_000), exited]);
    exited.catch(() => {});
  };
  await launch();

  const killAll = () => {
    const root = child?.pid;
    if (!root) return;
    // Connections are served by forked children that setsid(): kill the tree, not a process group.
    for (const pid of [...descendants(root), root]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child = undefined;
  };

  return {
    port,
    dir,
    hostKeyPath,
    hostPublicKey,
    knownHostsLine: () => `[127.0.0.1]:${port} ${hostPublicKey}`,
    authorize(publicKey: string) {
      appendFileSync(authorizedKeys, `${publicKey.trim()}\n`);
    },
    logins: () => logins,
    sessionProcesses() {
      return child?.pid ? descendants(child.pid).length : 0;
    },
    signalConnections(signal: NodeJS.Signals) {
      const root = child?.pid;
      if (!root) return 0;
      const pids = descendants(root);
      for (const pid of pids) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
      return pids.length;
    },
    kill: killAll,
    async restart() {
      killAll();
      await launch();
    },
    async stop() {
      killAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
