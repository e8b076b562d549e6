/**
 * A file's bytes (base64 over the wire, so binary survives the text channel), or just its size
 * when it is bigger than the limit.
 */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';
import { parseStatLine, STAT_FORMAT, type StatInfo } from './stat.ts';

export type FileContent = { exists: false } | { exists: true; content: Buffer } | { exists: true; tooBig: number };

/** The content once the size is in `$s`: `big N`, or `b64` and the bytes. */
function sizedContent(path: string, maxBytes: number): string {
  return sh`if [ "$s" -gt ${maxBytes} ]; then echo "big $s"; else echo b64; base64 < ${path} || return 2; fi`;
}

export function contentScript(path: string, maxBytes: number): string {
  return sh`if [ ! -f ${path} ]; then echo absent; return 0; fi; s=$(wc -c < ${path}) || return 2; ` + sizedContent(path, maxBytes);
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
  return defineProbe({ script: contentScript(path, maxBytes), parse: parseContent });
}

export interface StatAndContent {
  /** As stat(path, true). */
  st: StatInfo;
  /** As fileContent(path, maxBytes). */
  content: FileContent;
  /** Check mode: the file is not on the host, an earlier task of this run writes it; content is what it writes. */
  plannedBy?: string;
}

/**
 * stat(path, true) and fileContent(path) in one probe: the size for the limit comes from stat's
 * line, so the host runs stat and base64 instead of stat, wc and base64 (each run of a program
 * costs it a fork and an exec).
 */
export function statAndContentScript(path: string, maxBytes: number): string {
  // the size is the field before the last (%s|%d:%i): read from the right, owner names stay out of it
  return (
    sh`if [ ! -e ${path} ]; then echo absent; return 0; fi; st=$(stat -L -c ${STAT_FORMAT} -- ${path}) || return 2; printf '%s\\n' "$st"; ` +
    sh`if [ ! -f ${path} ]; then echo absent; return 0; fi; s=\${st%|*}; s=\${s##*|}; ` +
    sizedContent(path, maxBytes)
  );
}

export function parseStatAndContent(o: ProbeOutput): StatAndContent {
  if (o.rc !== 0) throw new Error(`reading file failed (exit ${o.rc})`);
  const nl = o.out.indexOf('\n');
  const head = nl < 0 ? o.out : o.out.slice(0, nl);
  if (head === 'absent') return { st: { exists: false }, content: { exists: false } };
  return { st: parseStatLine(head), content: parseContent({ rc: 0, out: o.out.slice(nl + 1) }) };
}

export function statAndContent(path: string, maxBytes = 16 * 1024 * 1024): Probe<StatAndContent> {
  return defineProbe({
    script: statAndContentScript(path, maxBytes),
    parse: parseStatAndContent,
    planned: (found, ledger) => {
      const e = ledger.path(path);
      if (found.content.exists || e?.state !== 'file') return found;
      return { ...found, content: { exists: true, content: Buffer.from(e.content ?? '') }, plannedBy: e.by };
    },
  });
}
