/** Which of several commands exist on the host (`command -v`). */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe } from './read-only.ts';

export function commandsExist<N extends string>(names: readonly N[]): Probe<Record<N, boolean>> {
  return defineProbe({
    script: sh`for c in ${names}; do if command -v "$c" >/dev/null 2>&1; then echo "1 $c"; else echo "0 $c"; fi; done`,
    parse: (o) => {
      const res = Object.fromEntries(names.map((n) => [n, false])) as Record<N, boolean>;
      for (const l of o.out.split('\n')) if (l.startsWith('1 ')) res[l.slice(2) as N] = true;
      return res;
    },
  });
}

/** Whether a path exists (any type). */
export function exists(path: string): Probe<boolean> {
  return defineProbe({
    script: sh`[ -e ${path} ] || [ -L ${path} ]`,
    parse: (o) => o.rc === 0,
    planned: (found, ledger) => {
      const e = ledger.path(path);
      return e ? e.state !== 'absent' : found;
    },
  });
}

/** A path on the host, and in check mode the earlier task of the run that makes or removes it. */
export interface Presence {
  exists: boolean;
  plannedBy?: string;
}

/** Whether a path exists (`test -e`: a dangling symlink does not), and in check mode whether an earlier task makes or removes it. */
export function presence(path: string): Probe<Presence> {
  return defineProbe({
    script: sh`[ -e ${path} ]`,
    parse: (o) => ({ exists: o.rc === 0 }),
    planned: (found, ledger) => {
      const e = ledger.path(path);
      return e ? { exists: e.state !== 'absent', plannedBy: e.by } : found;
    },
  });
}

/** The user (and primary group) commands run as: the owner of files a task creates. */
export function identity(): Probe<{ user: string; group: string }> {
  return defineProbe({
    script: 'id -un; id -gn',
    parse: (o) => {
      const [user = '', group = ''] = o.out.split('\n');
      return { user, group };
    },
  });
}
