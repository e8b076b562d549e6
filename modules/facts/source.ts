/**
 * A file on the host that is the source of a copy (copy's remote_src): its sha256 and its bytes
 * (for the diff) in one probe, and in check mode what an earlier task of this run writes there.
 */
import { createHash } from 'node:crypto';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';
import { checksumScript, parseChecksum } from './checksum.ts';
import { contentScript, parseContent, type FileContent } from './content.ts';

export interface SourceFile {
  /** sha256 of a regular file; undefined when it is missing or not a regular file. */
  sha256?: string;
  /** As fileContent(path, maxBytes). */
  content: FileContent;
  /** Check mode: the file is not on the host, and this earlier task of the run writes it. */
  plannedBy?: string;
}

export function sourceFileScript(path: string, maxBytes: number): string {
  return `${checksumScript(path)}; ${contentScript(path, maxBytes)}`;
}

export function parseSourceFile(o: ProbeOutput): SourceFile {
  if (o.rc !== 0) throw new Error(`reading file failed (exit ${o.rc})`);
  const sha256 = parseChecksum(o);
  if (!sha256) return { content: parseContent(o) };
  return { sha256, content: parseContent({ rc: 0, out: o.out.slice(o.out.indexOf('\n') + 1) }) };
}

/**
 * An earlier task writes the file: its content when the task knows it; when it does not (a file
 * uploaded from the controller), a checksum no file has, so a copy of it is a change after that task.
 */
export function sourceFile(path: string, maxBytes: number): Probe<SourceFile> {
  return defineProbe<SourceFile>({
    script: sourceFileScript(path, maxBytes),
    parse: parseSourceFile,
    planned: (found, ledger) => {
      const e = ledger.path(path);
      if (found.sha256 || e?.state !== 'file') return found;
      if (e.content === undefined) return { ...found, sha256: `unknown:${e.by}`, plannedBy: e.by };
      const bytes = Buffer.from(e.content);
      return { sha256: createHash('sha256').update(bytes).digest('hex'), content: { exists: true, content: bytes }, plannedBy: e.by };
    },
  });
}
