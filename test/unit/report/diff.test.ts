import { expect } from 'chai';
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
});
