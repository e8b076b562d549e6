/** Durations as PKI people write them: "8760h", "365d", "30d", or a bare number of days. */

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, y: 365 * 86_400_000 };

export const DURATION_PATTERN = '^[0-9]+(s|m|h|d|y)$';

/** Milliseconds of a duration; throws on a malformed value (the schema's pattern already rejects those). */
export function durationMs(v: string | number): number {
  if (typeof v === 'number') return v * UNIT_MS.d!;
  const m = /^(\d+)([smhdy])$/.exec(v.trim());
  if (!m) throw new Error(`bad duration ${JSON.stringify(v)} (use e.g. 8760h, 365d, 30d)`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
