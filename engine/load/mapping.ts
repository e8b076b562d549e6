/** A YAML mapping as the loader sees it: keys to raw values (positions are kept beside, by yaml.ts). */
export type Mapping = Record<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
