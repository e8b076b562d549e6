/**
 * containerd_image's read-only commands on the host: whether ctr is there, and `ctr images ls -q`
 * (lists the namespace's image names; asks containerd only when its socket exists).
 */
import { sh } from '../../../engine/transport/quote.ts';
import { presence, type Presence } from '../../facts/command.ts';
import { defineProbe, type Probe } from '../../facts/read-only.ts';
import type { Listing } from './plan.ts';

/** ctr given as a path (in check mode also the earlier task that installs it), or a name in PATH. */
export function ctrPresence(ctr: string): Probe<Presence> {
  if (ctr.includes('/')) return presence(ctr);
  return defineProbe({ script: sh`command -v ${ctr} >/dev/null 2>&1`, parse: (o) => ({ exists: o.rc === 0 }) });
}

const NO_SOCKET = 'kplay: no socket';

/** The image names of the namespace; `base` is ctrBase(): ctr, its --address (`socket`) and -n. */
export function imageList(base: readonly string[], socket: string): Probe<Listing> {
  return defineProbe({
    // a missing socket would make ctr retry its dial for seconds: ask only a containerd that runs
    script: [sh`if [ ! -S ${socket} ]; then echo ${NO_SOCKET}; return 1; fi`, sh`${[...base, 'images', 'ls', '-q']} 2>&1`].join('\n'),
    parse: (o) => {
      if (o.rc === 0) return { images: o.out.split('\n').map((l) => l.trim()).filter(Boolean) };
      const msg = o.out.trim();
      if (msg === NO_SOCKET) return { unreachable: `containerd's socket ${socket} is not there (containerd is not running)` };
      return { unreachable: (msg.split('\n').find((l) => l.trim()) ?? `ctr exited with ${o.rc}`).trim() };
    },
  });
}
