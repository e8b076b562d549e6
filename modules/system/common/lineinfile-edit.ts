/** The pure text edits of lineinfile and blockinfile, in Ansible's semantics. */
import { joinLines, splitLines } from './edit-file.ts';

export interface LineEdit {
  line?: string;
  regexp?: string;
  search_string?: string;
  state?: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
  backrefs?: boolean;
  firstmatch?: boolean;
}

/** Python's match.expand: \1, \g<1>, \g<name>. */
export function expandBackrefs(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(\d+)|\\g<(\w+)>/g, (_all, num: string | undefined, g: string | undefined) => {
    if (num !== undefined) return m[Number(num)] ?? '';
    if (/^\d+$/.test(g!)) return m[Number(g)] ?? '';
    return m.groups?.[g!] ?? '';
  }).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/** Index of the last (or first) line that matches, or -1. */
function findLine(lines: readonly string[], test: (l: string) => boolean, first: boolean): number {
  if (first) return lines.findIndex(test);
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i]!)) return i;
  return -1;
}

/** Where to insert: index in lines (insert before that index). */
function insertIndex(lines: readonly string[], e: { insertafter?: string; insertbefore?: string; firstmatch?: boolean }): number {
  if (e.insertbefore !== undefined) {
    if (e.insertbefore === 'BOF') return 0;
    const re = new RegExp(e.insertbefore);
    const i = findLine(lines, (l) => re.test(l), e.firstmatch === true);
    return i >= 0 ? i : lines.length;
  }
  if (e.insertafter !== undefined && e.insertafter !== 'EOF') {
    if (e.insertafter === 'BOF') return 0;
    const re = new RegExp(e.insertafter);
    const i = findLine(lines, (l) => re.test(l), e.firstmatch === true);
    return i >= 0 ? i + 1 : lines.length;
  }
  return lines.length;
}

export function editLine(text: string, e: LineEdit): { text: string; msg?: string } {
  const lines = splitLines(text);
  const match: ((l: string) => RegExpExecArray | boolean | null) | undefined =
    e.regexp !== undefined ? (l) => new RegExp(e.regexp!).exec(l) : e.search_string !== undefined ? (l) => l.includes(e.search_string!) : undefined;

  if ((e.state ?? 'present') === 'absent') {
    const keep = lines.filter((l) => !(match ? match(l) : l === e.line));
    const removed = lines.length - keep.length;
    return removed ? { text: joinLines(keep), msg: `${removed} line(s) removed` } : { text };
  }

  const line = e.line!;
  if (match) {
    const i = findLine(lines, (l) => Boolean(match(l)), e.firstmatch === true);
    if (i >= 0) {
      const m = match(lines[i]!);
      const next = e.backrefs && Array.isArray(m) ? expandBackrefs(line, m) : line;
      if (lines[i] === next) return { text };
      const out = [...lines];
      out[i] = next;
      return { text: joinLines(out), msg: 'line replaced' };
    }
    if (e.backrefs) return { text };
  }
  if (lines.includes(line)) return { text };
  const at = insertIndex(lines, e);
  const out = [...lines.slice(0, at), line, ...lines.slice(at)];
  return { text: joinLines(out), msg: 'line added' };
}

export interface BlockEdit {
  block?: string;
  marker?: string;
  marker_begin?: string;
  marker_end?: string;
  state?: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
}

export function editBlock(text: string, e: BlockEdit): { text: string; msg?: string } {
  const marker = e.marker ?? '# {mark} ANSIBLE MANAGED BLOCK';
  const begin = marker.replace('{mark}', e.marker_begin ?? 'BEGIN');
  const end = marker.replace('{mark}', e.marker_end ?? 'END');
  const lines = splitLines(text);
  const b = lines.findIndex((l) => l.trimEnd() === begin);
  const en = b >= 0 ? lines.findIndex((l, i) => i > b && l.trimEnd() === end) : -1;
  const found = b >= 0 && en >= 0;
  const block = e.block ?? '';
  if ((e.state ?? 'present') === 'absent' || block === '') {
    if (!found) return { text };
    return { text: joinLines([...lines.slice(0, b), ...lines.slice(en + 1)]), msg: 'block removed' };
  }
  const blockLines = [begin, ...splitLines(block.endsWith('\n') ? block : `${block}\n`), end];
  if (found) {
    const out = [...lines.slice(0, b), ...blockLines, ...lines.slice(en + 1)];
    const next = joinLines(out);
    return next === text ? { text } : { text: next, msg: 'block replaced' };
  }
  const at = insertIndex(lines, { ...e, firstmatch: false });
  return { text: joinLines([...lines.slice(0, at), ...blockLines, ...lines.slice(at)]), msg: 'block inserted' };
}
