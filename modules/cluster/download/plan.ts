/** download's plan: pure, from the host's file, the cache and the expected checksum to the changes. */
import { dirname, join } from 'node:path/posix';
import { controllerOp, type Change, type Effect, type Op, type Plan } from '../../api.ts';
import { fetchAction } from './actions.ts';
import type { StatInfo } from '../../facts/stat.ts';
import type { Algo } from './checksum.ts';
import { extractScript, extractedPath, hostFetchScript, type ArchiveFormat } from './host-scripts.ts';
import type { DownloadArgs } from './schema.ts';

export interface DownloadState {
  /** The resolved destination file. */
  dest: string;
  fileName: string;
  mirrors: string[];
  expected: { algo: Algo; hex: string } | { error: string };
  destStat: StatInfo;
  destHash?: string;
  parentExists: boolean;
  tools: string[];
  cache: { path: string; present: boolean };
  extract?: { dir: string; format?: ArchiveFormat; dirExists: boolean; missing: string[] };
}

const mode4 = (m: string): string => m.padStart(4, '0');
const short = (hex: string): string => `${hex.slice(0, 16)}…`;

export function planDownload(s: DownloadState, a: DownloadArgs): Plan {
  if ('error' in s.expected) return { changes: [], failed: s.expected.error };
  const { algo, hex } = s.expected;
  const mode = mode4(a.mode ?? '0644');
  const own = { ...(a.owner ? { owner: a.owner } : {}), ...(a.group ? { group: a.group } : {}) };
  const changes: Change[] = [];
  const result = { dest: s.dest, checksum: `${algo}:${hex}` };
  if (s.destStat.exists && s.destStat.type !== 'file') return { changes: [], failed: `${s.dest} exists and is not a regular file`, result };
  const fresh = s.destHash !== hex;

  if (fresh) {
    if (!s.parentExists) {
      changes.push({ summary: `create directory ${dirname(s.dest)}`, ops: [{ kind: 'exec', cmd: ['mkdir', '-p', dirname(s.dest)] }], effects: [{ kind: 'path', path: dirname(s.dest), state: 'directory' }] });
    }
    let ops: Op[];
    if (a.on_host) {
      if (!s.tools.includes('curl') && !s.tools.includes('wget')) return { changes: [], failed: 'on_host download needs curl or wget on the host', result };
      const script = hostFetchScript({ mirrors: s.mirrors, dest: s.dest, algo, hex, mode, ...own, timeoutSec: a.timeout ?? 300, retries: a.retries ?? 3 });
      ops = [{ kind: 'exec', cmd: script }];
    } else {
      ops = [
        controllerOp(
          fetchAction,
          { fileName: s.fileName, mirrors: s.mirrors, algo, hex, timeoutMs: (a.timeout ?? 300) * 1000, retries: a.retries ?? 3, retryDelayMs: (a.retry_delay ?? 2) * 1000 },
          s.cache.present ? `verify cached ${s.fileName}` : `fetch ${s.fileName} into the controller cache`,
        ),
        { kind: 'putFile', localPath: s.cache.path, path: s.dest, mode, ...own },
      ];
    }
    changes.push({
      summary: `download ${s.fileName} → ${s.dest} (${algo}:${short(hex)}${a.on_host ? ', on the host' : s.cache.present ? ', cached' : ''})`,
      ops,
      diff: { path: s.dest, before: s.destHash ? `${algo}:${s.destHash}` : '(absent)', after: `${algo}:${hex}` },
      effects: [{ kind: 'path', path: s.dest, state: 'file', mode }],
    });
  } else {
    const st = s.destStat.exists ? s.destStat : undefined;
    if (st && st.mode !== mode) changes.push({ summary: `mode ${st.mode} → ${mode} ${s.dest}`, ops: [{ kind: 'exec', cmd: ['chmod', mode, s.dest] }], diff: { path: s.dest, before: `mode ${st.mode}`, after: `mode ${mode}` } });
    if (st && ((a.owner && st.owner !== a.owner) || (a.group && st.group !== a.group))) {
      changes.push({ summary: `owner ${st.owner}:${st.group} → ${a.owner ?? st.owner}:${a.group ?? st.group} ${s.dest}`, ops: [{ kind: 'exec', cmd: ['chown', `${a.owner ?? ''}${a.group ? `:${a.group}` : ''}`, s.dest] }] });
    }
  }

  if (s.extract) {
    const x = s.extract;
    if (!x.format) return { changes: [], failed: `cannot tell the archive format of ${s.fileName}; set format`, result };
    const strip = a.strip_components ?? 0;
    if (x.format === 'zip' && strip > 0) return { changes: [], failed: 'strip_components is not supported for zip archives', result };
    const tool = x.format === 'zip' ? 'unzip' : 'tar';
    const why = fresh ? 'archive changed' : !x.dirExists ? `${x.dir} missing` : x.missing.length ? `missing ${x.missing.join(', ')}` : undefined;
    if (why && !s.tools.includes(tool)) return { changes: [], failed: `extracting ${s.fileName} needs ${tool} on the host`, result };
    if (why) {
      const effects: Effect[] = [{ kind: 'path', path: x.dir, state: 'directory' }, ...(a.include ?? []).flatMap((m) => {
        const p = extractedPath(m, strip);
        return p ? [{ kind: 'path' as const, path: join(x.dir, p), state: 'file' as const }] : [];
      })];
      changes.push({
        summary: `extract ${s.fileName} → ${x.dir}${a.include?.length ? ` (${a.include.length} members)` : ''}${strip ? `, strip ${strip}` : ''} (${why})`,
        ops: [{ kind: 'exec', cmd: extractScript({ archive: s.dest, dir: x.dir, format: x.format, include: a.include ?? [], stripComponents: strip }) }],
        effects,
      });
    }
  }
  return { changes, result };
}
