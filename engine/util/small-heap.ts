/**
 * V8's heap settings for kplay's own processes. A run allocates fast (outputs, facts, results: some
 * 20 MB live at 100 hosts, many times that in short-lived garbage), and V8's defaults answer that
 * by growing the young generation to 32 MB and letting the old one fill with garbage: 114 MB peak
 * RSS at 100 hosts. A young generation that stays at its initial size and an old generation that
 * grows by 20% (not up to 4×) per collection bring that to ~86 MB for ~10% more CPU at 100 hosts and
 * none measurable at 10 (docs/benchmarks.md).
 */
import { setFlagsFromString } from 'node:v8';

export const SMALL_HEAP_FLAGS = ['--heap-growing-percent=20'];

/**
 * Applies the settings to this process, after its code is loaded: V8 refuses a code cache made under
 * other flags (bin/load-bundle.js), so they cannot be on the command line or set before the bundle is
 * compiled. Both are read by the garbage collector as it runs, so setting them late takes effect.
 */
export function keepHeapSmall(): void {
  setFlagsFromString(['--semi-space-growth-factor=1', ...SMALL_HEAP_FLAGS].join(' '));
}
