/**
 * The keeper's wire format over its unix socket: frames of [u32 header length][u32 body length]
 * [JSON header][raw body]. The body carries bytes (file contents, stdin, command output) without
 * base64 or JSON escaping; the header says what they are.
 */
export interface Frame<H = Record<string, unknown>> {
  header: H;
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

export function encodeFrame(header: object, body: Buffer = EMPTY): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeUInt32BE(h.length, 0);
  prefix.writeUInt32BE(body.length, 4);
  return Buffer.concat([prefix, h, body]);
}

/** Cuts a byte stream back into frames; push() returns every frame completed by the chunk. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 8) break;
      const head = this.peek(8);
      const hLen = head.readUInt32BE(0);
      const bLen = head.readUInt32BE(4);
      if (this.buffered < 8 + hLen + bLen) break;
      const all = this.take(8 + hLen + bLen);
      const header = JSON.parse(all.subarray(8, 8 + hLen).toString('utf8')) as Record<string, unknown>;
      frames.push({ header, body: all.subarray(8 + hLen) });
    }
    return frames;
  }

  /** Bytes after the last whole frame: the start of a raw stream that follows the frames. */
  rest(): Buffer {
    const r = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return r;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = joined.length > n ? [joined.subarray(n)] : [];
    this.buffered -= n;
    return joined.subarray(0, n);
  }
}
