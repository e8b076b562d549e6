/**
 * The one word splitter: POSIX sh quoting without expansions, as Python's `shlex.split(line,
 * comments=True)` in POSIX mode (which Ansible uses on INI host lines): whitespace separates words,
 * quotes group, backslash escapes outside single quotes, and `#` at the start of a word begins a
 * comment (as in sh). Used for INI host lines, free-form `command:` lines and ssh arguments.
 */
export interface ShlexWord {
  text: string;
  /** 0-based offset of the word's first character in the line. */
  start: number;
}

export function shlexSplit(line: string): ShlexWord[] {
  const words: ShlexWord[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length || line[i] === '#') break;
    const start = i;
    let text = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new Error('unterminated single quote');
        text += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        let closed = false;
        while (i < line.length) {
          const d = line[i]!;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          // Inside double quotes a backslash escapes only these, as in POSIX sh.
          if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
            text += line[i + 1];
            i += 2;
          } else {
            text += d;
            i++;
          }
        }
        if (!closed) throw new Error('unterminated double quote');
      } else if (c === '\\') {
        if (i + 1 >= line.length) throw new Error('unterminated escape: a backslash at the end');
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    words.push({ text, start });
  }
  return words;
}

/** Just the words: `shlexWords('a "b c"')` → ['a', 'b c']. */
export function shlexWords(line: string): string[] {
  return shlexSplit(line).map((w) => w.text);
}
