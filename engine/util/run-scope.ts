/**
 * What one `kplay run` keeps while it lasts, beyond its arguments: when it started and the caches
 * its parts share (decrypted keys, parsed ~/.ssh/config, controller files whose hash was checked).
 * engine/commands/run.ts makes one per run and hands it to what needs it; nothing of it is kept
 * in a module variable, so a second run in the same process (the test suite runs many) starts
 * with nothing of the first.
 *
 * The other module-level state of the engine is keyed by content (compiled templates and schemas)
 * or holds live objects while they are used (jump connections, by their users' count).
 *
 * The run's working directory, environment and umask are those of its process: a run always
 * executes in the kplay command's own process; the connection keeper only keeps SSH connections
 * (docs/ssh.md, docs/benchmarks.md "Where a run executes").
 */

/** One cache of a run: made on first use, by whoever declares the key. */
export interface RunMemo<T> {
  readonly name: string;
  create(): T;
}

export function runMemo<T>(name: string, create: () => T): RunMemo<T> {
  return { name, create };
}

export class RunScope {
  private readonly memos = new Map<RunMemo<unknown>, unknown>();

  /** `startedAt`: temp files of uploads last written before it are a killed run's (transport/stale-temps.ts). */
  constructor(readonly startedAt: number = Date.now()) {}

  /** This run's instance of `memo`. */
  get<T>(memo: RunMemo<T>): T {
    if (!this.memos.has(memo)) this.memos.set(memo, memo.create());
    return this.memos.get(memo) as T;
  }
}
