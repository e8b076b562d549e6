/** Output capture with a cap: the rest is counted and dropped, and the result says so. */
export class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    if (b.length === 0) return;
    if (this.size >= this.max) {
      this.truncated = true;
      return;
    }
    const room = this.max - this.size;
    if (b.length > room) {
      this.chunks.push(b.subarray(0, room));
      this.size = this.max;
      this.truncated = true;
    } else {
      this.chunks.push(b);
      this.size += b.length;
    }
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
