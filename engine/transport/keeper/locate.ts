/**
 * Where a run finds the keeper, and how it starts one. The socket lives in a directory only this
 * user can enter ($XDG_RUNTIME_DIR/kplay, else <tmpdir>/kplay-<uid>), checked before every use:
 * whoever can connect to it can run commands on the kept hosts. Its name carries the code's
 * identity, so a run never talks to a keeper of another kplay build.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bumped whenever the frames or ops change. */
const PROTOCOL = 3;

/**
 * This file: in the bundles it is dist/kplay.cjs (the CLI) or dist/keeper.cjs, from source
 * engine/transport/keeper/locate.ts.
 */
const HERE = fileURLToPath(import.meta.url);
const FROM_SOURCE = HERE.endsWith('.ts');
/** The code a keeper runs: its bundle, or the engine's sources (process.ts and what it imports). */
const CODE = FROM_SOURCE ? resolve(dirname(HERE), '../..') : join(dirname(HERE), 'keeper.cjs');
const BIN = resolve(CODE, FROM_SOURCE ? '..' : '../..', 'bin', 'kplay.js');

/**
 * `kplay run` keeps connections 60 s by default, as Ansible's ControlPersist=60s does: from the
 * bundle and from the TypeScript sources alike, so that the test suite (which runs the sources)
 * takes the path users take. A keeper from the sources loads only the keeper's files (~1 s of CPU
 * through tsx, once per keeper), and an edit under engine/ gives a keeper of its own (keeperSocket).
 */
export const DEFAULT_SSH_PERSIST_SEC = 60;

/** The keeper's socket path, or undefined when no safe directory for it exists. */
export function keeperSocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = env['KPLAY_KEEPER_DIR'] ?? (env['XDG_RUNTIME_DIR'] ? join(env['XDG_RUNTIME_DIR'], 'kplay') : join(tmpdir(), `kplay-${uid}`));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
  } catch {
    return undefined;
  }
  codeId ??= fnv1a64(`${PROTOCOL}\0${CODE}\0${FROM_SOURCE ? newestMtime(CODE) : mtimeOf(CODE)}`);
  return join(dir, `keeper-${codeId}.sock`);
}

/** The code's identity, once per process (every host's transport asks; the sources walk takes ms). */
let codeId: string | undefined;

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    // a missing file only means a name without its time
    return 0;
  }
}

/**
 * The newest .ts under dir: from the sources, an edit anywhere in the engine gives a keeper of its
 * own, so a run never talks to a keeper that runs code older than its own (~1 ms).
 */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, mtimeOf(p));
  }
  return newest;
}

/** When this process last started a keeper: ten hosts connecting at once start one. */
let startedAt = 0;
let keeper: ChildProcess | undefined;

const START_WAIT_MS = 5000;

function startOnce(socketPath: string): void {
  // once per wait, unless the one started has already ended (it found a keeper, or failed)
  if (!keeper || keeper.exitCode !== null || Date.now() - startedAt > START_WAIT_MS) {
    startedAt = Date.now();
    keeper = startKeeper(socketPath);
  }
}

/**
 * Starts the keeper if none answers, without waiting: a run calls this before it loads and
 * validates its playbooks, so that the keeper's start-up overlaps with them. The keeper connects
 * to no host until a run asks it to, and exits soon when none does.
 */
export function prestartKeeper(socketPath = keeperSocket()): void {
  if (!socketPath) return;
  void tryConnect(socketPath).then((s) => {
    if (s) s.destroy();
    else startOnce(socketPath);
  });
}

/** Connects to the keeper, starting it when nobody answers; undefined when that fails within the wait. */
export async function connectKeeper(socketPath: string, waitMs = START_WAIT_MS): Promise<Socket | undefined> {
  const first = await tryConnect(socketPath);
  if (first) return first;
  startOnce(socketPath);
  const until = Date.now() + waitMs;
  // a keeper that could not start (exited) is not waited for
  while (Date.now() < until && keeper?.exitCode === null) {
    const s = await tryConnect(socketPath);
    if (s) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/** A connected socket when something listens on `path`, else undefined. */
export function tryConnect(path: string): Promise<Socket | undefined> {
  return new Promise((res) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      res(s);
    });
    s.once('error', () => res(undefined));
  });
}

/** A name, not a secret (the directory keeps others out): FNV-1a, 64 bits, without node's crypto. */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text)) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

function startKeeper(socketPath: string): ChildProcess {
  // loaded only to start a keeper, which most runs find started
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  // secrets reach the keeper per connection, over the socket; not in an environment that outlives the run
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/PASS|SECRET|TOKEN/i.test(k)));
  // bin/kplay.js loads the keeper alone (keeper/process.ts) for this
  const argv = [BIN, '__ssh-keeper', socketPath];
  // cwd /: a keeper must not hold the directory of the run that started it
  const child = spawn(process.execPath, argv, { detached: true, stdio: 'ignore', env, cwd: '/' });
  child.on('error', () => {});
  child.unref();
  return child;
}
