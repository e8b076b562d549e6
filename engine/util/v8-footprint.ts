/**
 * V8 settings that keep a run's process small; measured at 100 hosts in docs/benchmarks.md.
 *
 * - The young generation stays at its initial size, and the old one grows by 20% per collection
 *   (not up to 4×). A run allocates fast (outputs, facts, results) but keeps little (~15 MB at 100
 *   hosts); V8's defaults answer the allocation rate with a 32 MB young generation and an old one
 *   full of garbage. Run peak RSS at 100 hosts 114 -> 85 MB.
 * - Functions are optimised by TurboFan only after 32× the usual work: a run lasts seconds, and the
 *   optimising compiler's zones, code and text pages cost more (-8 MB) than its code saves (CPU
 *   slightly lower). Hot loops of a long run are still optimised.
 * No CPU difference measurable at 10 hosts; at 100, ±10%, the noise of the measurement.
 *
 * The connection keeper (transport/keeper/process.ts), which relays commands, takes the garbage
 * collector's part only (keepHeapSmall): a raised TurboFan budget cost it 30% more CPU per run.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Applies the settings to this process once its code is loaded. V8 refuses a code cache made under
 * other flags (bin/load-bundle.js), so they cannot be on the run's command line nor set before the
 * bundle is compiled; the garbage collector and the tiering manager read them as they go, so
 * setting them late takes effect.
 */
export function keepFootprintSmall(): void {
  keepHeapSmall();
  setFlagsFromString('--interrupt-budget=2162688');
}

/** The garbage collector's settings alone. */
export function keepHeapSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1 --heap-growing-percent=20');
}
