import { expect } from 'chai';
import { editBlock, editLine, type BlockEdit, type LineEdit } from '../../../../modules/system/common/lineinfile-edit.ts';
import { planEdit } from '../../../../modules/system/common/edit-file.ts';
import { lineinfile } from '../../../../modules/system/lineinfile.ts';
import { blockinfile } from '../../../../modules/system/blockinfile.ts';

const lineRows: [string, string, LineEdit, string][] = [
  ['appends at EOF', 'a\nb\n', { line: 'c' }, 'a\nb\nc\n'],
  ['exact line present: no change', 'a\nc\nb\n', { line: 'c' }, 'a\nc\nb\n'],
  ['adds a newline to a last line without one', 'a', { line: 'c' }, 'a\nc\n'],
  ['replaces the last match of regexp', 'x=1\ny\nx=2\n', { line: 'x=3', regexp: '^x=' }, 'x=1\ny\nx=3\n'],
  ['firstmatch replaces the first', 'x=1\ny\nx=2\n', { line: 'x=3', regexp: '^x=', firstmatch: true }, 'x=3\ny\nx=2\n'],
  ['regexp without match inserts', 'a\n', { line: 'x=3', regexp: '^x=' }, 'a\nx=3\n'],
  ['regexp without match, line present: no change', 'x = 3\nx=3\n', { line: 'x=3', regexp: '^x=[0-2]' }, 'x = 3\nx=3\n'],
  ['insertafter regexp', 'a\n[s]\nb\n', { line: 'k=v', insertafter: '^\\[s\\]' }, 'a\n[s]\nk=v\nb\n'],
  ['insertafter without match: EOF', 'a\n', { line: 'k', insertafter: '^nope' }, 'a\nk\n'],
  ['insertbefore BOF', 'a\n', { line: '#!/bin/sh', insertbefore: 'BOF' }, '#!/bin/sh\na\n'],
  ['insertbefore regexp', 'a\nb\n', { line: 'k', insertbefore: '^b' }, 'a\nk\nb\n'],
  ['backrefs expand groups', 'port=80\n', { line: 'port=\\1\\1', regexp: '^port=(\\d+)$', backrefs: true }, 'port=8080\n'],
  ['backrefs with named groups', 'a: 1\n', { line: '\\g<k>=\\g<v>', regexp: '^(?<k>\\w+): (?<v>\\d)$', backrefs: true }, 'a=1\n'],
  ['backrefs without match: no change', 'a\n', { line: 'x', regexp: '^nope', backrefs: true }, 'a\n'],
  ['absent by regexp removes all', 'x=1\ny\nx=2\n', { state: 'absent', regexp: '^x' }, 'y\n'],
  ['absent by line', 'x\ny\nx\n', { state: 'absent', line: 'x' }, 'y\n'],
  ['absent by search_string', 'foo bar\nbaz\n', { state: 'absent', search_string: 'o b' }, 'baz\n'],
  ['into an empty file', '', { line: 'a' }, 'a\n'],
  ['$ and \\ in lines are literal', 'a\n', { line: 'x=$1 \\n $(rm -rf /)' }, 'a\nx=$1 \\n $(rm -rf /)\n'],
];

describe('lineinfile: text edits', () => {
  for (const [name, before, e, after] of lineRows) it(name, () => expect(editLine(before, e).text).to.equal(after));
});

const blockRows: [string, string, BlockEdit, string][] = [
  ['inserts at EOF', 'a\n', { block: 'x\ny' }, 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\ny\n# END ANSIBLE MANAGED BLOCK\n'],
  ['replaces between markers', 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n', { block: 'new\n' }, 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\nb\n'],
  ['unchanged block', 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n', { block: 'x' }, 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n'],
  ['custom markers', '', { block: 'x', marker: '// {mark} kplay', marker_begin: 'start', marker_end: 'stop' }, '// start kplay\nx\n// stop kplay\n'],
  ['insertbefore BOF', 'a\n', { block: 'x', insertbefore: 'BOF' }, '# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\na\n'],
  ['insertafter regexp', 'a\nb\n', { block: 'x', insertafter: '^a$' }, 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\n'],
  ['absent removes markers too', 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nb\n', { state: 'absent' }, 'a\nb\n'],
  ['empty block removes', 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n', { block: '' }, 'a\n'],
];

describe('blockinfile: text edits', () => {
  for (const [name, before, e, after] of blockRows) it(name, () => expect(editBlock(before, e).text).to.equal(after));
});

describe('lineinfile/blockinfile: plan', () => {
  const st = { exists: true as const, type: 'file' as const, mode: '0640', owner: 'root', group: 'adm', uid: 0, gid: 4, size: 2, inode: '1:1' };
  it('writes with a put that keeps mode and owner, and a unified diff', () => {
    const p = planEdit({ path: '/f', st, content: 'a\n' }, {}, (t) => editLine(t, { line: 'b' }));
    expect(p.changes).to.have.length(1);
    expect(p.changes[0]!.summary).to.equal('/f: line added');
    expect(p.changes[0]!.ops[0]).to.deep.include({ kind: 'put', path: '/f', content: 'a\nb\n', mode: '0640', owner: 'root', group: 'adm' });
    expect(p.changes[0]!.diff).to.deep.equal({ path: '/f', before: 'a\n', after: 'a\nb\n' });
  });
  it('no change plans nothing', () => {
    expect(planEdit({ path: '/f', st, content: 'b\n' }, {}, (t) => editLine(t, { line: 'b' })).changes).to.deep.equal([]);
  });
  it('missing file fails unless create', () => {
    expect(planEdit({ path: '/f', st: { exists: false } }, {}, (t) => editLine(t, { line: 'b' })).failed).to.match(/does not exist/);
    const p = planEdit({ path: '/f', st: { exists: false } }, { create: true, mode: '0600' }, (t) => editLine(t, { line: 'b' }));
    expect(p.changes[0]!.ops[0]).to.deep.include({ content: 'b\n', mode: '0600' });
  });
  it('a file an earlier task writes is edited from the ledger content, marked after', () => {
    const p = planEdit({ path: '/f', st: { exists: false }, content: 'a\n', after: 'copy f' }, {}, (t) => editLine(t, { line: 'b' }));
    expect(p.changes[0]).to.include({ after: 'copy f' });
    expect(p.changes[0]!.diff!.before).to.equal('a\n');
  });
  it('validate', () => {
    expect(lineinfile.validate!({ path: '/f' })[0]!.key).to.equal('line');
    expect(lineinfile.validate!({ path: '/f', line: 'x', regexp: '(' })[0]!.key).to.equal('regexp');
    expect(lineinfile.validate!({ path: '/f', line: 'x', insertafter: 'a', insertbefore: 'b' })[0]!.key).to.equal('insertbefore');
    expect(lineinfile.validate!({ path: '/f', line: 'x', backrefs: true })[0]!.key).to.equal('backrefs');
    expect(lineinfile.validate!({ path: '/f', line: 'x', insertafter: 'EOF' })).to.deep.equal([]);
    expect(lineinfile.validate!({ path: '/f', line: 'x\ny' })[0]!.message).to.match(/blockinfile/);
    expect(blockinfile.validate!({ path: '/f', marker: '# kplay' })[0]!.key).to.equal('marker');
    expect(blockinfile.validate!({ dest: '/f', block: 'x' })).to.deep.equal([]);
  });
});
