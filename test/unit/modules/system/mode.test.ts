import { expect } from 'chai';
import { modeError, resolveMode } from '../../../../modules/system/common/mode.ts';
import { shlexWords as shlexSplit } from '../../../../engine/util/shlex.ts';

describe('mode arguments', () => {
  const table: [string | number, string | undefined, boolean, string][] = [
    ['0644', undefined, false, '0644'],
    ['644', undefined, false, '0644'],
    [644, undefined, false, '0644'],
    [755, '0600', true, '0755'],
    ['1777', undefined, true, '1777'],
    ['u+x', '0644', false, '0744'],
    ['u=rwx,g-w,o=', '0664', false, '0740'],
    ['a+X', '0644', false, '0644'],
    ['a+X', '0644', true, '0755'],
    ['a+X', '0744', false, '0755'],
    ['g=u', '0600', false, '0660'],
    ['u+s', '0755', false, '4755'],
    ['+t', '0777', true, '1777'],
    ['go-rwx', undefined, true, '0700'],
  ];
  for (const [mode, cur, dir, want] of table) {
    it(`${JSON.stringify(mode)} on ${cur ?? 'new'}${dir ? ' dir' : ''} → ${want}`, () => expect(resolveMode(mode, cur, dir)).to.equal(want));
  }
  it('rejects bad modes', () => {
    expect(modeError(689)).to.match(/octal/);
    expect(modeError('u+q')).to.match(/neither/);
    expect(modeError('rwx')).to.match(/neither/);
    expect(modeError('0755')).to.equal(undefined);
    expect(modeError(0.5)).to.match(/octal/);
  });
});

describe('shlexSplit', () => {
  const table: [string, string[]][] = [
    ['ls -l /tmp', ['ls', '-l', '/tmp']],
    [`echo 'a b' "c \\"d\\" $x" e\\ f`, ['echo', 'a b', 'c "d" $x', 'e f']],
    ['  a   b  ', ['a', 'b']],
    [`x '' y`, ['x', '', 'y']],
    ['', []],
  ];
  for (const [line, words] of table) it(line || '(empty)', () => expect(shlexSplit(line)).to.deep.equal(words));
  it('throws on an open quote', () => expect(() => shlexSplit(`a 'b`)).to.throw(/unterminated/));
});
