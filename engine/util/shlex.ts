/**
 * Python's `shlex.split(line, comments=True)` in POSIX mode, which Ansible uses on INI host lines:
 * whitespace separates words, quotes group, backslash escapes outside single quotes, and `#`
 * at the start of a word begins a comment.
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
        if (end < 0) throw new Error('no closing quotation');
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
        if (!closed) throw new Error('no closing quotation');
      } else if (c === '\\') {
        if (i + 1 >= line.length) throw new Error('no escaped character');
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
