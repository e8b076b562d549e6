/**
 * Finds the end of one command's output in a stream that carries many commands: the resident
 * shell ends each command's stdout with `\n<nonce>:<rc>\n` and its stderr with `\n<nonce>\n`.
 * The nonce is random per command, so no output can forge it. Bytes before the marker are the
 * command's output (capped); the newline we print before the marker is ours, not the command's.
 */
export class MarkerScan {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private pending = Buffer.alloc(0);
  private readonly marker: Buffer;
  /** Set once the marker has been seen; `rc` only for a marker that carries one. */
  done = false;
  rc: number | undefined;
  truncated = false;

  constructor(
    nonce: string,
    private readonly withRc: boolean,
    private readonly max: number,
  ) {
    this.marker = Buffer.from(`\n${nonce}${withRc ? ':' : '\n'}`);
  }

  /** Feed a chunk; returns true once the marker is complete. Bytes after the marker are ignored. */
  push(chunk: Buffer): boolean {
    if (this.done) return true;
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = data.indexOf(this.marker);
    if (at < 0) {
      // keep what could be the start of a marker split across chunks
      const keep = Math.min(data.length, this.marker.length - 1);
      this.capture(data.subarray(0, data.length - keep));
      this.pending = Buffer.from(data.subarray(data.length - keep));
      return false;
    }
    this.capture(data.subarray(0, at));
    if (!this.withRc) {
      this.pending = Buffer.alloc(0);
      this.done = true;
      return true;
    }
    const rest = data.subarray(at + this.marker.length);
    const nl = rest.indexOf(0x0a);
    if (nl < 0) {
      // the exit code has not arrived yet: keep the marker and wait for its line to end
      this.pending = Buffer.from(data.subarray(at));
      return false;
    }
    this.rc = Number(rest.subarray(0, nl).toString('latin1'));
    this.pending = Buffer.alloc(0);
    this.done = true;
    return true;
  }

  /** The output so far (everything before the marker, or all that arrived when there was none). */
  output(): Buffer {
    return Buffer.concat(this.done ? this.chunks : [...this.chunks, this.pending]);
  }

  private capture(b: Buffer): void {
    if (b.length === 0) return;
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = b.length > room ? b.subarray(0, room) : b;
    if (part.length < b.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
}
