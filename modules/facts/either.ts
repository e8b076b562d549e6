/** Two sets of probes, of which the host runs one: whichever applies to what a path turns out to be. */
import { quote } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe } from './read-only.ts';

/** A probe of one layout, or nothing when that layout has no probe of that name. */
export interface Branch {
  inside: boolean;
  value: unknown;
  /** dest is not there (`[ -e ]`, following a symlink as stat(dest, true) does). */
  absent?: boolean;
  /**
   * Check mode: dest is not there, and this earlier task of the run makes it a directory, so the
   * inside layout is the one that applies (the host ran the other: it has to be read again).
   */
  insideAfter?: string;
}

/**
 * Per probe name of the two layouts, one probe that tests dest's type on the host and runs only the
 * layout that applies, so each file is stat'ed and hashed once instead of once per layout. The
 * layouts' own planned answers apply to what they read.
 */
export function eitherLayout(dest: string, asFile: Record<string, Probe<unknown>>, inside: Record<string, Probe<unknown>>): Record<string, Probe<Branch>> {
  const probes: Record<string, Probe<Branch>> = {};
  const d = quote(dest);
  for (const k of new Set([...Object.keys(asFile), ...Object.keys(inside)])) {
    const f = asFile[k];
    const i = inside[k];
    probes[k] = defineProbe<Branch>({
      // `[ -d ]` and `[ -e ]` follow a symlink, as stat(dest, true) does
      script: `if [ -d ${d} ]; then echo i\n${i?.script ?? ':'}\nelse if [ -e ${d} ]; then echo f; else echo a; fi\n${f?.script ?? ':'}\nfi`,
      ...(f?.subshell || i?.subshell ? { subshell: true } : {}),
      parse(o) {
        const nl = o.out.indexOf('\n');
        const head = o.out.slice(0, nl);
        const p = head === 'i' ? i : f;
        return { inside: head === 'i', value: p?.parse({ rc: o.rc, out: o.out.slice(nl + 1) }), ...(head === 'a' ? { absent: true } : {}) };
      },
      planned(found, ledger) {
        const p = found.inside ? i : f;
        const value = p?.planned ? p.planned(found.value, ledger) : found.value;
        const e = found.absent ? ledger.path(dest) : undefined;
        return { ...found, value, ...(e?.state === 'directory' ? { insideAfter: e.by } : {}) };
      },
    });
  }
  return probes;
}
