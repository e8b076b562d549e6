import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KplayError } from '../../../engine/errors.ts';
import { evaluateCondition, evaluateExpression, parseCondition, UndefinedVariableError } from '../../../engine/template/expression.ts';

const loc = { file: 'site.yml', line: 9, col: 13 };

const vars = {
  a: 1,
  b: 2,
  s: 'Hello',
  empty: '',
  yes: 'yes',
  num: '42',
  l: [1, 2, 3],
  names: ['cp1', 'node1'],
  d: { k: 'v', n: 0 },
  nothing: null,
  version: '1.28.3',
  result: { changed: true, failed: false, rc: 0, stdout: 'active\nrunning', stdout_lines: ['active', 'running'] },
  failed_result: { changed: false, failed: true, rc: 1 },
  skipped_result: { changed: false, skipped: true },
  groups: { etcd: ['cp1', 'cp2', 'cp3'] },
  inventory_hostname: 'cp1',
};

const ev = (src: string | boolean, extra: Record<string, unknown> = {}) => evaluateCondition(parseCondition(src, loc), { ...vars, ...extra });

function parseError(src: string): KplayError {
  try {
    parseCondition(src, loc);
  } catch (err) {
    expect(err).to.be.instanceOf(KplayError);
    expect((err as KplayError).code).to.equal('KPLAY_EXPRESSION');
    return err as KplayError;
  }
  throw new Error(`expected a syntax error for ${src}`);
}

function evalError(src: string): KplayError {
  try {
    ev(src);
  } catch (err) {
    expect(err).to.be.instanceOf(KplayError);
    return err as KplayError;
  }
  throw new Error(`expected an evaluation error for ${src}`);
}

describe('template/expression', () => {
  describe('literals', () => {
    it('accepts boolean values and boolean literals', () => {
      expect(ev(true)).to.equal(true);
      expect(ev(false)).to.equal(false);
      for (const t of ['true', 'True']) expect(ev(t)).to.equal(true);
      for (const f of ['false', 'False', 'none', 'None']) expect(ev(f)).to.equal(false);
    });

    it('reads strings, numbers, lists and dicts', () => {
      expect(evaluateExpression(parseCondition("'a\\'b'"), {})).to.equal("a'b");
      expect(evaluateExpression(parseCondition('"x\\ny"'), {})).to.equal('x\ny');
      expect(evaluateExpression(parseCondition('1.5e1'), {})).to.equal(15);
      expect(evaluateExpression(parseCondition('[1, "a", [true]]'), {})).to.deep.equal([1, 'a', [true]]);
      expect(evaluateExpression(parseCondition("{'k': 1, 'l': [2]}"), {})).to.deep.equal({ k: 1, l: [2] });
      expect(evaluateExpression(parseCondition('(1, 2)'), {})).to.deep.equal([1, 2]);
      expect(evaluateExpression(parseCondition('[]'), {})).to.deep.equal([]);
    });
  });

  describe('operators', () => {
    it('compares with == != < > <= >=', () => {
      expect(ev('a == 1')).to.equal(true);
      expect(ev('a != 1')).to.equal(false);
      expect(ev('a < b')).to.equal(true);
      expect(ev('a > b')).to.equal(false);
      expect(ev('a <= 1')).to.equal(true);
      expect(ev('b >= 3')).to.equal(false);
      expect(ev("s == 'Hello'")).to.equal(true);
      expect(ev('l == [1, 2, 3]')).to.equal(true);
      expect(ev("d == {'k': 'v', 'n': 0}")).to.equal(true);
      expect(ev("num == 42")).to.equal(false); // a string is not a number, as in Jinja
      expect(ev('1 < a + 1 < 3')).to.equal(true); // chained
    });

    it('tests membership with in / not in on lists, strings and dicts', () => {
      expect(ev('2 in l')).to.equal(true);
      expect(ev('5 not in l')).to.equal(true);
      expect(ev("'ell' in s")).to.equal(true);
      expect(ev("'k' in d")).to.equal(true);
      expect(ev("'v' in d")).to.equal(false);
      expect(ev('inventory_hostname in groups.etcd')).to.equal(true);
      expect(ev("inventory_hostname in groups['etcd']")).to.equal(true);
      expect(ev("'running' in result.stdout")).to.equal(true);
    });

    it('combines with and, or, not and parentheses', () => {
      expect(ev('a == 1 and b == 2')).to.equal(true);
      expect(ev('a == 2 or b == 2')).to.equal(true);
      expect(ev('not a == 2')).to.equal(true);
      expect(ev('not (a == 1 and b == 3)')).to.equal(true);
      expect(ev('not not a')).to.equal(true);
    });

    it('has Jinja precedence: or < and < not < comparison < arithmetic < filter', () => {
      expect(ev('a == 2 and b == 2 or true')).to.equal(true); // (… and …) or true
      expect(ev('true or false and false')).to.equal(true); // true or (false and false)
      expect(ev('not a == 2 and b == 2')).to.equal(true); // (not a == 2) and b == 2
      expect(ev('not false or false')).to.equal(true); // (not false) or false
      expect(ev('a + b * 2 == 5')).to.equal(true);
      expect(ev('(a + b) * 2 == 6')).to.equal(true);
      expect(ev('l | length + 1 == 4')).to.equal(true); // filter binds tighter than +
      expect(ev('-a + 3 == 2')).to.equal(true);
      expect(ev('7 // 2 == 3 and 7 % 2 == 1 and 7 / 2 == 3.5')).to.equal(true);
      expect(ev("'a' ~ a == 'a1'")).to.equal(true);
      expect(ev('l + [4] == [1, 2, 3, 4]')).to.equal(true);
    });

    it('short-circuits and / or (the right side is not evaluated)', () => {
      expect(ev('missing is defined and missing > 1')).to.equal(false);
      expect(ev('missing is undefined or missing > 1')).to.equal(true);
    });

    it('supports a conditional expression', () => {
      expect(evaluateExpression(parseCondition("'x' if a == 1 else 'y'"), vars)).to.equal('x');
    });
  });

  describe('access', () => {
    it('reads attributes and indexes', () => {
      expect(ev("result.stdout_lines[0] == 'active'")).to.equal(true);
      expect(ev("result['rc'] == 0")).to.equal(true);
      expect(ev('l[-1] == 3')).to.equal(true);
      expect(ev("d['k'] == 'v'")).to.equal(true);
      expect(ev('names[a] == "node1"')).to.equal(true);
    });

    it('supports a few Python string methods', () => {
      expect(ev("s.startswith('He') and s.endswith('lo')")).to.equal(true);
      expect(ev("s.lower() == 'hello' and s.upper() == 'HELLO'")).to.equal(true);
      expect(ev("'a,b'.split(',') == ['a', 'b']")).to.equal(true);
      expect(ev("d.get('zz', 3) == 3 and 'k' in d.keys()")).to.equal(true);
    });
  });

  describe('tests', () => {
    it('is defined / undefined / not defined, also on missing paths', () => {
      expect(ev('a is defined')).to.equal(true);
      expect(ev('missing is defined')).to.equal(false);
      expect(ev('missing is undefined')).to.equal(true);
      expect(ev('missing is not defined')).to.equal(true);
      expect(ev('result.nope is defined')).to.equal(false);
      expect(ev('missing.deep[0].path is defined')).to.equal(false);
      expect(ev('nothing is defined')).to.equal(true);
    });

    it('registered results: changed, failed, skipped, succeeded, success', () => {
      expect(ev('result is changed')).to.equal(true);
      expect(ev('result is not failed')).to.equal(true);
      expect(ev('result is succeeded and result is success and result is successful')).to.equal(true);
      expect(ev('failed_result is failed')).to.equal(true);
      expect(ev('failed_result is changed')).to.equal(false);
      expect(ev('skipped_result is skipped')).to.equal(true);
      expect(ev('result is skipped')).to.equal(false);
      expect(evalError('s is changed').code).to.equal('KPLAY_EXPRESSION');
    });

    it('match anchors at the start, search does not', () => {
      expect(ev("s is match('H.l')")).to.equal(true);
      expect(ev("s is match('ell')")).to.equal(false);
      expect(ev("s is search('ell')")).to.equal(true);
      expect(ev("result.stdout is search('^running$')")).to.equal(true);
    });

    it('version compares dotted versions', () => {
      expect(ev("version is version('1.28', '>=')")).to.equal(true);
      expect(ev("version is version('1.28.3', '==')")).to.equal(true);
      expect(ev("version is version('1.3', '<')")).to.equal(false); // numeric, not lexical
      expect(ev("version is version('1.29.0', 'lt')")).to.equal(true);
      expect(ev("'1.2' is version('1.2.0', '==')")).to.equal(true);
      expect(ev("version is version('1.28.3')")).to.equal(true);
    });

    it('other tests: none, string, number, mapping, sequence, in, even, divisibleby', () => {
      expect(ev('nothing is none')).to.equal(true);
      expect(ev('s is string and a is number and d is mapping and l is sequence')).to.equal(true);
      expect(ev('a is in l')).to.equal(true);
      expect(ev('b is even and 9 is divisibleby 3 and a is odd')).to.equal(true);
      expect(ev('empty is empty')).to.equal(true);
    });
  });

  describe('filters', () => {
    it('default supplies a value for an undefined variable or path', () => {
      expect(ev('missing | default(3) == 3')).to.equal(true);
      expect(ev('missing.x | default(false)')).to.equal(false);
      expect(ev('a | default(3) == 1')).to.equal(true);
      expect(ev("empty | default('x', true) == 'x'")).to.equal(true);
      expect(ev('missing | d(1) == 1')).to.equal(true);
    });

    it('bool, int, float, length, lower, upper, trim', () => {
      expect(ev('yes | bool')).to.equal(true);
      expect(ev("'off' | bool")).to.equal(false);
      expect(ev('num | int == 42')).to.equal(true);
      expect(ev("'1.5' | float == 1.5")).to.equal(true);
      expect(ev('l | length == 3 and s | length == 5 and d | length == 2')).to.equal(true);
      expect(ev("s | lower == 'hello'")).to.equal(true);
      expect(ev("s | upper == 'HELLO'")).to.equal(true);
      expect(ev("'  x ' | trim == 'x'")).to.equal(true);
    });

    it('chains filters, with arguments, and shares the template helpers', () => {
      expect(ev("s | lower | replace('l', 'L') == 'heLLo'")).to.equal(true);
      expect(ev("names | join(',') == 'cp1,node1'")).to.equal(true);
      expect(ev("l | first == 1 and l | last == 3 and l | max == 3 and l | min == 1 and l | sum == 6")).to.equal(true);
      expect(ev("groups.etcd | select('match', 'cp[12]') | list == ['cp1', 'cp2']")).to.equal(true);
      expect(ev("'a' | b64encode == 'YQ=='")).to.equal(true);
    });
  });

  describe('{{ }} around the whole condition', () => {
    it('is tolerated, with a warning', () => {
      const c = parseCondition('{{ a == 1 }}', loc);
      expect(evaluateCondition(c, vars)).to.equal(true);
      expect(c.warning).to.contain('without {{ }}');
      expect(parseCondition('a == 1').warning).to.equal(undefined);
    });

    it('is a syntax error inside the condition', () => {
      const err = parseError('a == {{ b }}');
      expect(err.hint).to.contain('{{ }}');
      expect(err.loc).to.deep.equal({ ...loc, col: loc.col + 5 });
    });
  });

  describe('syntax errors', () => {
    it('point at the offending column', () => {
      expect(parseError('a ==').loc).to.deep.equal({ ...loc, col: loc.col + 4 });
      expect(parseError('a = 1').loc).to.deep.equal({ ...loc, col: loc.col + 2 });
      expect(parseError('(a == 1').loc).to.deep.equal({ ...loc, col: loc.col + 7 });
      expect(parseError("a == 'open").loc).to.deep.equal({ ...loc, col: loc.col + 5 });
      expect(parseError('a and and b').loc).to.deep.equal({ ...loc, col: loc.col + 6 });
      expect(parseError('a b').loc).to.deep.equal({ ...loc, col: loc.col + 2 });
    });

    it('explains common mistakes', () => {
      expect(parseError('a = 1').hint).to.contain('==');
      expect(parseError('a && b').hint).to.contain('and');
      expect(parseError('a || b').hint).to.contain('or');
      expect(parseError('s | lowr').hint).to.contain("'lower'");
      expect(parseError('r is chnged').hint).to.contain("'changed'");
      expect(parseError('').message).to.contain('empty');
    });

    it('counts the quote of a quoted YAML scalar', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kplay-cond-'));
      const file = join(dir, 'play.yml');
      writeFileSync(file, `- hosts: all\n  tasks:\n    - command: x\n      when: "a ==  = 1"\n      changed_when: a = 1\n`);
      try {
        parseCondition('a ==  = 1', { file, line: 4, col: 13 });
        expect.fail('should throw');
      } catch (err) {
        expect((err as KplayError).loc).to.deep.equal({ file, line: 4, col: 13 + 1 + 6 });
      }
      try {
        parseCondition('a = 1', { file, line: 5, col: 21 });
        expect.fail('should throw');
      } catch (err) {
        expect((err as KplayError).loc).to.deep.equal({ file, line: 5, col: 23 });
      }
    });

    it('column of the second line of a multi-line condition', () => {
      const err = parseError('a == 1 and\n  b = 2');
      expect(err.loc).to.deep.equal({ file: 'site.yml', line: 10, col: 5 });
    });

    it('rejects non-string conditions', () => {
      expect(() => parseCondition(3 as unknown as string, loc)).to.throw(KplayError, /string or a boolean/);
    });
  });

  describe('evaluation errors', () => {
    it('an undefined variable is KPLAY_TEMPLATE naming it, with the column', () => {
      const err = evalError('a == 1 and missing == 2');
      expect(err.code).to.equal('KPLAY_TEMPLATE');
      expect(err.message).to.contain("'missing'");
      expect(err.loc).to.deep.equal({ ...loc, col: loc.col + 11 });
      expect(evalError("result.stdout_lines[5] == 'x'").message).to.contain("'result.stdout_lines[5]'");
      expect(evalError('d.nope.deeper').message).to.contain("'d.nope");
    });

    it('an undefined variable error carries the variable and its root', () => {
      const err = evalError("result.nope[0] == 'x'");
      expect(err).to.be.instanceOf(UndefinedVariableError);
      expect((err as UndefinedVariableError).variable).to.equal('result.nope'); // the first part that is missing
      expect((err as UndefinedVariableError).root).to.equal('result');
      try {
        evaluateCondition(parseCondition('x == 1'), { x: '{{reg.stdout}}', reg: { skipped: true } });
        expect.fail('should throw');
      } catch (e) {
        expect((e as UndefinedVariableError).root).to.equal('reg');
      }
    });

    it('evaluateExpression returns plain data', () => {
      const v = evaluateExpression(parseCondition('cfg'), { root: '/x', cfg: { d: ['{{root}}/a'] } });
      expect(v).to.deep.equal({ d: ['/x/a'] });
      (v as { d: string[] }).d.push('ok'); // not a read-only view
    });

    it('a type error is KPLAY_EXPRESSION', () => {
      const err = evalError("a < 'x'");
      expect(err.code).to.equal('KPLAY_EXPRESSION');
      expect(err.message).to.contain('cannot compare');
      expect(evalError('a / 0').message).to.contain('division by zero');
    });

    it('an undefined variable inside a lazy var is reported with the chain', () => {
      try {
        evaluateCondition(parseCondition('x == 1', loc), { x: '{{y}}' });
        expect.fail('should throw');
      } catch (err) {
        expect((err as KplayError).code).to.equal('KPLAY_TEMPLATE');
        expect((err as KplayError).message).to.contain("'y'").and.contain('while rendering x');
      }
    });
  });

  describe('truthiness', () => {
    it('follows Jinja: empty strings, lists, dicts, 0 and none are false', () => {
      expect(ev('empty')).to.equal(false);
      expect(ev('[]')).to.equal(false);
      expect(ev('{}')).to.equal(false);
      expect(ev('0')).to.equal(false);
      expect(ev('nothing')).to.equal(false);
      expect(ev('s')).to.equal(true);
      expect(ev("'false'")).to.equal(true); // a non-empty string: use | bool
      expect(ev("'false' | bool")).to.equal(false);
    });
  });
});
