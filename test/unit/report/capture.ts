/** A writable stream that keeps what was written, for reporter snapshots. */
import { Writable } from 'node:stream';

export class Capture extends Writable {
  text = '';
  isTTY?: boolean;
  columns?: number;

  constructor(tty?: { columns: number }) {
    super();
    if (tty) {
      this.isTTY = true;
      this.columns = tty.columns;
    }
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}
