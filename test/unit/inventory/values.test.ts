import { expect } from 'chai';
import { parseIniValue } from '../../../engine/inventory/values.ts';

describe('inventory: INI values (Ansible literal_eval)', () => {
  const cases: [string, unknown][] = [
    ['22', 22],
    ['-3', -3],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['0x1F', 31],
    ['True', true],
    ['False', false],
    ['true', true],
    ['false', false],
    ['None', null],
    ["'quoted'", 'quoted'],
    ['"dq"', 'dq'],
    ['[1, "a", True]', [1, 'a', true]],
    ["{'a': 1, 'b': [2]}", { a: 1, b: [2] }],
    ['(1, 2)', [1, 2]],
    ['(7)', 7],
    ['1  # comment', 1],
    // Not Python literals: kept as strings
    ['10.0.0.1', '10.0.0.1'],
    ['0755', '0755'],
    ['yes', 'yes'],
    ['hello world', 'hello world'],
    ['/usr/local/bin', '/usr/local/bin'],
    ['{{ x }}', '{{ x }}'],
    ['1.2.3', '1.2.3'],
    ['', ''],
    ["'unterminated", "'unterminated"],
  ];
  for (const [raw, want] of cases) {
    it(`${JSON.stringify(raw)} → ${JSON.stringify(want)}`, () => {
      expect(parseIniValue(raw)).to.deep.equal(want);
    });
  }
});
