/**
 * The Debian mirror that apt on this machine already uses. The project never names a mirror host:
 * the image is built from whatever the machine is configured for.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './run.ts';

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

/** One-line format: `deb [opts] URI SUITE COMPONENT…`. */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    const words = line.replace(/\[[^\]]*\]/, ' ').split(/\s+/).slice(1);
    const [uri, suite, ...components] = words;
    if (uri && suite) out.push({ uri, suites: [suite], components });
  }
  return out;
}

/** deb822 format (`.sources` files): stanzas of `Field: value` separated by blank lines. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      const cont = /^\s+(\S.*)$/.exec(raw);
      if (cont && last) {
        fields.set(last, `${fields.get(last) ?? ''} ${cont[1]}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m && m[1] && m[2] !== undefined) {
        last = m[1].toLowerCase();
        fields.set(last, m[2]);
      }
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || /^no$/i.test(fields.get('enabled') ?? 'yes')) continue;
    const words = (k: string) => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    for (const uri of words('uris')) out.push({ uri, suites: words('suites'), components: words('components') });
  }
  return out;
}

/** The first source that carries `suite` itself (not -updates/-security) with the main component. */
export function pickMirror(sources: readonly AptSource[], suite: string): string | undefined {
  return sources.find((s) => s.suites.includes(suite) && s.components.includes('main'))?.uri;
}

export function configuredMirror(suite: string, etcApt = '/etc/apt'): string {
  const sources: AptSource[] = [];
  const main = join(etcApt, 'sources.list');
  if (existsSync(main)) sources.push(...parseOneLineSources(readFileSync(main, 'utf8')));
  const dir = join(etcApt, 'sources.list.d');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      const text = readFileSync(join(dir, f), 'utf8');
      if (f.endsWith('.list')) sources.push(...parseOneLineSources(text));
      else if (f.endsWith('.sources')) sources.push(...parseDeb822Sources(text));
    }
  }
  const uri = pickMirror(sources, suite);
  if (!uri) throw new LabError(`no apt source for Debian ${suite} (main) in ${etcApt}/sources.list*: cannot build the lab image`);
  return uri;
}
