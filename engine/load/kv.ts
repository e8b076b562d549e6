/**
 * Legacy `key=value` argument strings (`file: path=/x state=touch`) and the `key=value` options
 * Ansible accepts at the end of a free-form command (`command: make all chdir=/src`).
 */

export interface KvToken {
  key: string;
  value: string;
}

/** Split on whitespace, keeping quoted runs together and removing their quotes. */
export function splitWords(text: string): { word: string; start: number; end: number }[] {
  const out: { word: string; start: number; end: number }[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let word = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const close = text.indexOf(c, i + 1);
        if (close < 0) {
          word += text.slice(i + 1);
          i = text.length;
          break;
        }
        word += text.slice(i + 1, close);
        i = close + 1;
      } else if (c === '\\' && i + 1 < text.length) {
        word += text[i + 1];
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    out.push({ word, start, end: i });
  }
  return out;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

/** Parse `a=1 b="x y"`; undefined when some word is not key=value. */
export function parseKv(text: string): KvToken[] | undefined {
  const tokens: KvToken[] = [];
  for (const { word } of splitWords(text)) {
    const m = KEY.exec(word);
    if (!m) return undefined;
    tokens.push({ key: m[1]!, value: m[2]! });
  }
  return tokens;
}

/** Take `known=value` words out of a free-form string; the rest stays as written. */
export function extractKnownKv(text: string, known: Set<string>): { rest: string; tokens: KvToken[] } {
  const tokens: KvToken[] = [];
  // A multi-line script is kept verbatim: `x=y` there is shell, not an option.
  if (text.trimEnd().includes('\n')) return { rest: text, tokens };
  const cuts: { start: number; end: number }[] = [];
  for (const w of splitWords(text)) {
    const m = KEY.exec(w.word);
    if (m && known.has(m[1]!)) {
      tokens.push({ key: m[1]!, value: m[2]! });
      cuts.push(w);
    }
  }
  if (cuts.length === 0) return { rest: text, tokens };
  let rest = '';
  let at = 0;
  for (const c of cuts) {
    rest += text.slice(at, c.start);
    at = c.end;
  }
  rest += text.slice(at);
  return { rest: rest.replace(/\s+/g, ' ').trim(), tokens };
}
