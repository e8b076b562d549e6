/** download's read-only commands on the host: the destination's hash, and which tools it has. */
import { sh } from '../../../engine/transport/quote.ts';
import { defineProbe, type Probe } from '../../facts/read-only.ts';
import type { Algo } from './checksum.ts';

export function hashProbe(path: string, algo: Algo): Probe<string | undefined> {
  return defineProbe({
    script: sh`if [ -f ${path} ]; then ${algo === 'sha256' ? 'sha256sum' : 'sha512sum'} < ${path}; fi`,
    parse: (o) => /^([0-9a-f]+)\b/.exec(o.out)?.[1],
  });
}

export const toolsProbe: Probe<string[]> = defineProbe({
  script: 'for t in tar unzip curl wget; do command -v "$t" >/dev/null 2>&1 && echo "$t"; done; true',
  parse: (o) => o.out.split('\n').filter(Boolean),
});
