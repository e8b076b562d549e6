/** sha256 of a regular file (undefined when absent or not a regular file). */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';

export function checksumScript(path: string): string {
  // read through a redirect: sha256sum escapes odd file names in its output
  return sh`if [ -f ${path} ]; then sha256sum < ${path}; fi`;
}

export function parseChecksum(o: ProbeOutput): string | undefined {
  const m = /^([0-9a-f]{64})\b/.exec(o.out);
  return m ? m[1] : undefined;
}

export function checksum(path: string): Probe<string | undefined> {
  return defineProbe({ script: checksumScript(path), parse: parseChecksum });
}
