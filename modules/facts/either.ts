/** Two sets of probes, of which the host runs one: whichever applies to what a path turns out to be. */
import { quote } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe } from './read-only.ts';

/** A probe of one layout, or nothing when that layout has no probe of that name. */
export interface Branch {
  inside: boolean;
  value: unknown;
}

/**
 * Per probe name of the two layouts, one probe that tests dest's type on the host and runs only the
 * layout that applies, so each file is stat'ed and hashed once instead of once per layout.
 */
export function eitherLayout(dest: string, asFile: Record<string, Probe<unknown>>, inside: Record<string, Probe<unknown>>): Record<string, Probe<Branch>> {
  const probes: Record<string, Probe<Branch>> = {};
  for (const k of new Set([...Object.keys(asFile), ...Object.keys(inside)])) {
    const f = asFile[k];
    const i = inside[k];
    probes[k] = defineProbe({
      // `[ -d ]` follows a symlink, as stat(dest, true) does
      script: `if [ -d ${quote(dest)} ]; then echo i\n${i?.script ?? ':'}\nelse echo f\n${f?.script ?? ':'}\nfi`,
      ...(f?.subshell || i?.subshell ? { subshell: true } : {}),
      parse(o) {
        const nl = o.out.indexOf('\n');
        const isInside = o.out.slice(0, nl) === 'i';
        const p = isInside ? i : f;
        return { inside: isInside, value: p?.parse({ rc: o.rc, out: o.out.slice(nl + 1) }) };
      },
    });
  }
  return probes;
}
