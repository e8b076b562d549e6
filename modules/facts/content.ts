/**
 * A file's bytes (base64 over the wire, so binary survives the text channel), or just its size
 * when it is bigger than the limit.
 */
import { sh } from '../../engine/transport/quote.ts';
import type { Probe, ProbeOutput } from './batch.ts';

export type FileContent = { exists: false } | { exists: true; content: Buffer } | { exists: true; tooBig: number };

export function contentScript(path: string, maxBytes: number): string {
  return sh`if [ ! -f ${path} ]; then echo absent; return 0; fi; s=$(wc -c < ${path}) || return 2; if [ "$s" -gt ${maxBytes} ]; then echo "big $s"; else echo b64; base64 < ${path} || return 2; fi`;
}

export function parseContent(o: ProbeOutput): FileContent {
  if (o.rc !== 0) throw new Error(`reading file failed (exit ${o.rc})`);
  const nl = o.out.indexOf('\n');
  const head = nl < 0 ? o.out : o.out.slice(0, nl);
  if (head === 'absent') return { exists: false };
  if (head.startsWith('big ')) return { exists: true, tooBig: Number(head.slice(4)) };
  if (head === 'b64') return { exists: true, content: Buffer.from(o.out.slice(nl + 1), 'base64') };
  throw new Error(`unexpected output: ${head}`);
}

export function fileContent(path: string, maxBytes = 16 * 1024 * 1024): Probe<FileContent> {
  return { script: contentScript(path, maxBytes), parse: parseContent };
}
