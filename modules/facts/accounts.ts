/** User and group lookups (getent), and a user's supplementary groups. */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(o: ProbeOutput): PasswdEntry | undefined {
  if (o.rc !== 0) return undefined;
  const f = o.out.split('\n')[0]!.split(':');
  if (f.length < 7) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), gecos: f[4]!, home: f[5]!, shell: f[6]! };
}

export function parseGroup(o: ProbeOutput): GroupEntry | undefined {
  if (o.rc !== 0) return undefined;
  const f = o.out.split('\n')[0]!.split(':');
  if (f.length < 4) return undefined;
  return { name: f[0]!, gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] };
}

export function passwd(name: string): Probe<PasswdEntry | undefined> {
  return defineProbe({ script: sh`getent passwd -- ${name}`, parse: parsePasswd });
}

export function group(name: string): Probe<GroupEntry | undefined> {
  return defineProbe({ script: sh`getent group -- ${name}`, parse: parseGroup });
}

/** Group names of a user: primary first, then supplementary ones (`id -Gn`). */
export function userGroups(name: string): Probe<string[] | undefined> {
  return defineProbe({
    script: sh`id -Gn -- ${name}`,
    parse: (o) => (o.rc === 0 ? o.out.trim().split(/\s+/).filter(Boolean) : undefined),
  });
}

/** Every group's name and gid, to map numeric ids and check names in one go. */
export function groupsExist(names: readonly string[]): Probe<Record<string, boolean>> {
  return defineProbe({
    script: names.length ? sh`for g in ${names}; do if getent group -- "$g" >/dev/null; then echo "1 $g"; else echo "0 $g"; fi; done` : 'true',
    parse: (o) => Object.fromEntries(o.out.split('\n').filter(Boolean).map((l) => [l.slice(2), l.startsWith('1')])),
  });
}
