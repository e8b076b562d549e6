/**
 * A FIFO semaphore for SSH session channels on one connection. sshd refuses channels beyond its
 * MaxSessions (10 by default), so we keep below it and queue the rest in arrival order. When a
 * server turns out to allow fewer sessions than configured, `shrink` lowers the limit for the
 * rest of the run instead of failing commands.
 */
export class ChannelPool {
  private inUse = 0;
  /** Slots held for the connection's life (resident shells): never given back to commands. */
  private held = 0;
  private readonly waiters: (() => void)[] = [];
  private peak = 0;

  constructor(private limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`maxChannels must be a positive integer, got ${limit}`);
  }

  get active(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Highest number of channels held at once (tests verify the limit with it). */
  get highWater(): number {
    return this.peak;
  }

  get max(): number {
    return this.limit;
  }

  /** Slots held for the connection's life (resident shells, the SFTP session). */
  get heldCount(): number {
    return this.held;
  }

  acquire(): Promise<void> {
    if (this.inUse < this.limit && this.waiters.length === 0) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => { this.take(); resolve(); }));
  }

  /**
   * Take a slot only if one is free now, for a channel held for the whole run; give it back with
   * releaseHeld. One slot always stays for commands: with a limit of 1 nothing is held.
   */
  tryHold(): boolean {
    if (this.inUse + 1 >= this.limit || this.waiters.length > 0) return false;
    this.take();
    this.held++;
    return true;
  }

  releaseHeld(): void {
    this.held--;
    this.release();
  }

  release(): void {
    this.inUse--;
    this.drain();
  }

  /** Run fn while holding one channel slot. */
  async with<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * The server refused a channel while `inUse` were open: never ask for more than that again. One
   * slot beyond the held ones stays: below that, commands would wait for a slot forever (a refusal
   * can come early, while the server still counts sessions closed a moment ago).
   */
  shrink(toAtMost: number): void {
    this.limit = Math.max(this.held + 1, Math.min(this.limit, toAtMost));
  }

  private take(): void {
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
  }

  private drain(): void {
    while (this.inUse < this.limit && this.waiters.length > 0) this.waiters.shift()!();
  }
}
