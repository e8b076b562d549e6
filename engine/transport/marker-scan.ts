/**
 * Finds the end of one command's output in a stream that carries many commands: the resident
 * shell ends each command's stdout with `\n<nonce>:<rc>\n` and its stderr with `\n<nonce>\n`.
 * The nonce is random per command, so no output can forge it. Bytes before the marker are the
 * command's output (capped); the newline we print before the marker is ours, not the command's.
 */
import { Capture } from './capture.ts';

export class MarkerScan {
  private readonly captured: Capture;
  private pending = Buffer.alloc(0);
  private readonly marker: Buffer;
  /** Set once the marker has been seen; `rc` only for a marker that carries one. */
  done = false;
  rc: number | undefined;

  constructor(
    nonce: string,
    private readonly withRc: boolean,
    max: number,
  ) {
    this.captured = new Capture(max);
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
      this.captured.push(data.subarray(0, data.length - keep));
      this.pending = Buffer.from(data.subarray(data.length - keep));
      return false;
    }
    this.captured.push(data.subarray(0, at));
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
    return this.done ? this.captured.buffer() : Buffer.concat([this.captured.buffer(), this.pending]);
  }

  get truncated(): boolean {
    return this.captured.truncated;
  }
}
