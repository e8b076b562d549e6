/** lstat of one path: type, mode, owner, size, inode and a symlink's target. */
import { sh } from '../../engine/transport/quote.ts';
import type { Probe, ProbeOutput } from './batch.ts';

export type FileType = 'file' | 'directory' | 'link' | 'other';

export type StatInfo =
  | { exists: false }
  | {
      exists: true;
      type: FileType;
      /** Four octal digits: '0644', '1777'. */
      mode: string;
      owner: string;
      group: string;
      uid: number;
      gid: number;
      size: number;
      /** device:inode, to recognise hard links. */
      inode: string;
      /** A symlink's target as stored. */
      target?: string;
    };

/** follow: stat what a symlink points to (a dangling link then counts as absent). */
export function statScript(path: string, follow = false): string {
  if (follow) {
    return sh`if [ -e ${path} ]; then stat -L -c '%F|%a|%U|%G|%u|%g|%s|%d:%i' -- ${path} || return 2; else echo absent; fi`;
  }
  return sh`if [ -L ${path} ] || [ -e ${path} ]; then stat -c '%F|%a|%U|%G|%u|%g|%s|%d:%i' -- ${path} || return 2; if [ -L ${path} ]; then readlink -- ${path}; fi; else echo absent; fi`;
}

function fileType(f: string): FileType {
  if (f === 'regular file' || f === 'regular empty file') return 'file';
  if (f === 'directory') return 'directory';
  if (f === 'symbolic link') return 'link';
  return 'other';
}

export function parseStat(o: ProbeOutput): StatInfo {
  if (o.rc !== 0) throw new Error(`stat failed (exit ${o.rc})`);
  if (o.out.trim() === 'absent') return { exists: false };
  const nl = o.out.indexOf('\n');
  const line = nl < 0 ? o.out : o.out.slice(0, nl);
  const f = line.split('|');
  if (f.length !== 8) throw new Error(`unexpected stat output: ${line}`);
  const type = fileType(f[0]!);
  const info: StatInfo = {
    exists: true,
    type,
    mode: f[1]!.padStart(4, '0'),
    owner: f[2]!,
    group: f[3]!,
    uid: Number(f[4]),
    gid: Number(f[5]),
    size: Number(f[6]),
    inode: f[7]!,
  };
  if (type === 'link' && nl >= 0) {
    // readlink output ends with one newline; the target itself may contain newlines
    info.target = o.out.slice(nl + 1).replace(/\n$/, '');
  }
  return info;
}

export function stat(path: string, follow = false): Probe<StatInfo> {
  return { script: statScript(path, follow), parse: parseStat };
}
