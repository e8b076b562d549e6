/** Filters on POSIX paths (the hosts' paths, whatever the controller runs on). */
import { posix } from 'node:path';
import { asList, text } from './inputs.ts';
import type { Filter } from './types.ts';

export const PATH_FILTERS: Record<string, Filter> = {
  splitext: (v) => {
    const s = text(v);
    const ext = posix.extname(s);
    return [s.slice(0, s.length - ext.length), ext];
  },
  expanduser: (v) => text(v).replace(/^~(?=\/|$)/, process.env['HOME'] ?? '~'),
  path_join: (v) => posix.join(...asList(v, 'path_join').map(text)),
};
