import { expect } from 'chai';
import { applyPatch } from 'diff';
import { renderDiff, unifiedDiff } from '../../../engine/report/diff.ts';

describe('diff rendering', () => {
  it('shows one-line values as before → after', () => {
    expect(renderDiff({ before: '0644', after: '0600' })).to.deep.equal({ kind: 'inline', text: '0644 → 0600' });
    expect(renderDiff({ before: '', after: 'x' })).to.deep.equal({ kind: 'inline', text: '(empty) → x' });
  });

  it('shows a one-line file (old\\n → new\\n) on one line, but not a new file', () => {
    expect(renderDiff({ path: '/etc/hostname', before: 'old\n', after: 'new\n' })).to.deep.equal({ kind: 'inline', text: 'old → new' });
    expect(renderDiff({ path: '/etc/hostname', before: '', after: 'new\n' }).kind).to.equal('unified');
    expect(unifiedDiff({ before: 'old\n', after: 'new\n' })).to.equal('--- before\n+++ after\n@@ -1,1 +1,1 @@\n-old\n+new\n');
  });

  it('shows nothing when before equals after', () => {
    expect(renderDiff({ path: '/x', before: 'a\n', after: 'a\n' })).to.deep.equal({ kind: 'none' });
    expect(unifiedDiff({ path: '/x', before: 'a\n', after: 'a\n' })).to.equal('');
  });

  it('renders a new file as a unified diff from nothing', () => {
    expect(unifiedDiff({ path: '/etc/x', before: '', after: 'a\nb\n' })).to.equal('--- before: /etc/x\n+++ after: /etc/x\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });

  it('keeps only 3 lines of context', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') + '\n';
    const after = before.replace('l10\n', 'L10\n');
    const lines = unifiedDiff({ before, after }).split('\n');
    expect(lines.slice(0, 3)).to.deep.equal(['--- before', '+++ after', '@@ -8,7 +8,7 @@']);
    expect(lines).not.to.include(' l5');
  });

  it('does not diff binary content', () => {
    const r = renderDiff({ path: '/bin/x', before: 'a\u0000b', after: 'a\u0000c' });
    expect(r).to.deep.equal({ kind: 'unified', lines: ['--- before: /bin/x', '+++ after: /bin/x', 'Binary content differs (3 → 3 bytes)'] });
  });

  it('tolerates a Buffer or undefined where a string belongs', () => {
    const d = { before: Buffer.from('a\n'), after: undefined } as unknown as { before: string; after: string };
    expect(unifiedDiff(d)).to.contain('-a');
  });

  describe('texts too different to diff cheaply', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const after = Array.from({ length: 2500 }, (_, i) => `other ${i}`).join('\n');

    it('shows a note on the console instead of hunks', () => {
      const r = renderDiff({ path: '/big', before, after });
      expect(r).to.deep.equal({
        kind: 'unified',
        tooLarge: true,
        lines: ['--- before: /big', '+++ after: /big', 'Too many differences to show (3000 → 2500 lines); --json carries both versions'],
      });
    });

    it('still gives --json a valid patch that replaces every line', () => {
      const patch = unifiedDiff({ path: '/big', before, after });
      expect(patch.split('\n')[2]).to.equal('@@ -1,3000 +1,2500 @@');
      expect(applyPatch(before, patch)).to.equal(after);
    });
  });

  it('gives patches that apply (no newline at the end, new file, removed content)', () => {
    for (const [before, after] of [
      ['a\nb', 'a\nc'],
      ['', 'x\ny\n'],
      ['x\ny\n', ''],
      ['1\n2\n3\n4\n5\n6\n7\n8\n9\n', '1\n2\n3\n4\nfive\n6\n7\n8\n9\nten\n'],
    ]) {
      expect(applyPatch(before!, unifiedDiff({ before: before!, after: after! }))).to.equal(after);
    }
  });
});
