/** Registered results and debug values as readable text: YAML, falling back to JSON. */
import { dump } from 'js-yaml';
import { toJsonSafe } from './json-safe.ts';

/** Lines of YAML for a value (a lone string prints as itself, multi-line strings keep their lines). */
export function valueLines(value: unknown): string[] {
  if (typeof value === 'string') return value.split('\n');
  const safe = toJsonSafe(value);
  let text: string;
  try {
    text = dump(safe, { skipInvalid: true, noRefs: true, lineWidth: -1 });
  } catch {
    text = JSON.stringify(safe, null, 2) ?? String(value);
  }
  return text.replace(/\n$/, '').split('\n');
}
