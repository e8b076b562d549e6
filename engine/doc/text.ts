/** Plain-text layout helpers for terminal docs. */

/** Wrap prose to a width, keeping existing line breaks and indenting every line. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    const words = para.split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      out.push('');
      continue;
    }
    let line = '';
    for (const w of words) {
      if (line !== '' && indent.length + line.length + 1 + w.length > width) {
        out.push(indent + line);
        line = w;
      } else {
        line = line === '' ? w : `${line} ${w}`;
      }
    }
    out.push(indent + line);
  }
  return out;
}
