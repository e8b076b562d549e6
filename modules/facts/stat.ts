/** lstat of one path: type, mode, owner, size, inode and a symlink's target. */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';

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

/** One line per path: parseStatLine reads it. */
export const STAT_FORMAT = '%F|%a|%U|%G|%u|%g|%s|%d:%i';

/** follow: stat what a symlink points to (a dangling link then counts as absent). */
export function statScript(path: string, follow = false): string {
  if (follow) {
    return sh`if [ -e ${path} ]; then stat -L -c ${STAT_FORMAT} -- ${path} || return 2; else echo absent; fi`;
  }
  return sh`if [ -L ${path} ] || [ -e ${path} ]; then stat -c ${STAT_FORMAT} -- ${path} || return 2; if [ -L ${path} ]; then readlink -- ${path}; fi; else echo absent; fi`;
}

/**
 * stat -L of several paths with one run of stat (each run of a program costs the host a fork and
 * an exec): first a line of 0s and 1s, which paths exist (tested with the shell's own `[ -e ]`),
 * then stat's line for each existing path in order. stat prints nothing for a missing path, so
 * the flags say which line is whose.
 */
export function statEachScript(paths: readonly string[]): string {
  const tests = paths.map((p) => sh`if [ -e ${p} ]; then e=\${e}1; else e=\${e}0; fi`);
  const run = sh`stat -L -c ${STAT_FORMAT} -- ${paths}`;
  return ['e=', ...tests, 'echo "$e"', `case $e in *1*) ${run} ;; esac`, 'true'].join('\n');
}

function fileType(f: string): FileType {
  if (f === 'regular file' || f === 'regular empty file') return 'file';
  if (f === 'directory') return 'directory';
  if (f === 'symbolic link') return 'link';
  return 'other';
}

/** One line of STAT_FORMAT. */
export function parseStatLine(line: string): StatInfo & { exists: true } {
  const f = line.split('|');
  if (f.length !== 8) throw new Error(`unexpected stat output: ${line}`);
  return {
    exists: true,
    type: fileType(f[0]!),
    mode: f[1]!.padStart(4, '0'),
    owner: f[2]!,
    group: f[3]!,
    uid: Number(f[4]),
    gid: Number(f[5]),
    size: Number(f[6]),
    inode: f[7]!,
  };
}

export function parseStat(o: ProbeOutput): StatInfo {
  if (o.rc !== 0) throw new Error(`stat failed (exit ${o.rc})`);
  if (o.out.trim() === 'absent') return { exists: false };
  const nl = o.out.indexOf('\n');
  const info = parseStatLine(nl < 0 ? o.out : o.out.slice(0, nl));
  if (info.type === 'link' && nl >= 0) {
    // readlink output ends with one newline; the target itself may contain newlines
    info.target = o.out.slice(nl + 1).replace(/\n$/, '');
  }
  return info;
}

/** statEachScript's output: one StatInfo per path, in order. */
export function parseStatEach(o: ProbeOutput, count: number): StatInfo[] {
  const [flags = '', ...lines] = o.out.split('\n').filter(Boolean);
  const found = [...flags].filter((c) => c === '1').length;
  // stat failing, or a path removed or created between `[ -e ]` and stat: the lines are not whose the flags say
  if (o.rc !== 0 || flags.length !== count || !/^[01]*$/.test(flags) || lines.length !== found) {
    throw new Error(`stat failed (exit ${o.rc}): ${o.out.slice(0, 200)}`);
  }
  let next = 0;
  return [...flags].map((c) => (c === '1' ? parseStatLine(lines[next++]!) : { exists: false }));
}

/** stat(path, true) of each path, with one run of stat on the host. */
export function statEach(paths: readonly string[]): Probe<StatInfo[]> {
  return defineProbe({ script: statEachScript(paths), parse: (o) => parseStatEach(o, paths.length) });
}

export function stat(path: string, follow = false): Probe<StatInfo> {
  return defineProbe({ script: statScript(path, follow), parse: parseStat });
}
