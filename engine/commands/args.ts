/** Command-line parsing with node:util parseArgs: no dependency needed for ansible-playbook's flag set. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KplayError } from '../errors.ts';

export type Flags = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>): { flags: Flags; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { flags: r.values as Flags, positionals: r.positionals };
  } catch (e) {
    throw new KplayError('KPLAY_OPTIONS', e instanceof Error ? e.message.replace(/^TypeError \[.*?\]: /, '') : String(e), { hint: "see 'kplay --help'" });
  }
}

export function strings(v: Flags[string]): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** `-t a,b -t c` → [a, b, c] */
export function commaList(v: Flags[string]): string[] {
  return strings(v).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function count(v: Flags[string]): number {
  return v === undefined ? 0 : Array.isArray(v) ? v.length : 1;
}
