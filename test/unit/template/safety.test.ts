import { expect } from 'chai';
import { KplayError } from '../../../engine/errors.ts';
import { evaluateCondition, evaluateExpression, parseCondition } from '../../../engine/template/expression.ts';
import { renderString, renderValue } from '../../../engine/template/render.ts';

/** Either a KplayError, or a value that is no JavaScript function or prototype. */
function harmless(fn: () => unknown): void {
  let value: unknown;
  try {
    value = fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KplayError);
    return;
  }
  expect(typeof value).not.to.equal('function');
  expect(value === Object.prototype || value === Function.prototype).to.equal(false);
  if (typeof value === 'string') expect(value).not.to.match(/function|native code|\[object/);
}

describe('template/safety: no code execution, no JavaScript internals', () => {
  const vars = { o: { k: 1 }, s: 'str', l: [1], f: { name: 'x' } };

  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect((Object.prototype as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('conditions cannot reach constructor, __proto__ or prototype', () => {
    for (const src of [
      'o.constructor',
      'o.__proto__',
      "o['__proto__']",
      "o['constructor']['constructor']",
      's.constructor',
      'l.constructor',
      'o.toString',
      'o.hasOwnProperty',
      'l.map',
      'l.length',
      "s['length']",
      '__proto__',
      'constructor',
      'this',
      'globalThis',
      'process',
    ]) {
      harmless(() => evaluateExpression(parseCondition(src), vars));
      expect(evaluateCondition(parseCondition(`${src} is defined`), vars), src).to.equal(src === 'l.length' ? false : false);
    }
  });

  it('conditions cannot call functions', () => {
    for (const src of ["o.constructor.constructor('return process')()", 'o.toString()', "s.constructor('x')", 'f()', "(1)('x')"]) {
      expect(() => parseCondition(src), src).to.throw(KplayError);
    }
  });

  it('a dict literal with __proto__ does not pollute prototypes', () => {
    const v = evaluateExpression(parseCondition("{'__proto__': {'polluted': 1}}"), {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).to.equal(Object.prototype);
    expect(Object.keys(v)).to.deep.equal(['__proto__']);
  });

  it('templates cannot reach constructor, __proto__ or prototype', () => {
    for (const tpl of [
      '{{o.constructor}}',
      '{{o.__proto__}}',
      '{{o.constructor.constructor}}',
      '{{lookup o "constructor"}}',
      '{{lookup (lookup o "constructor") "constructor"}}',
      '{{s.constructor}}',
      '{{l.constructor.name}}',
      '{{#with o.constructor}}{{name}}{{/with}}',
      '{{#each o.__proto__}}{{@key}}{{/each}}',
    ]) {
      harmless(() => renderValue(tpl, vars));
      harmless(() => renderString(`x ${tpl}`, vars));
    }
  });

  it('combine of a parsed __proto__ key keeps it as data', () => {
    const out = renderValue(`{{combine (from_json '{"__proto__": {"polluted": 1}}') (dict a=1)}}`, {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.keys(out)).to.deep.equal(['__proto__', 'a']);
  });

  it('a __proto__ key in args or vars stays data through rendering', () => {
    const args = JSON.parse('{"__proto__": {"x": "{{a}}"}, "b": "{{a}}"}') as Record<string, unknown>;
    const out = renderValue(args, { a: 1 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.keys(out)).to.deep.equal(['__proto__', 'b']);
    const vars = JSON.parse('{"a": 1, "v": {"__proto__": {"y": "{{a}}"}}}') as Record<string, unknown>;
    const v = renderValue('{{v}}', vars) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).to.equal(Object.prototype);
    expect(Object.keys(v)).to.deep.equal(['__proto__']);
  });

  it('rendered values cannot mutate the vars', () => {
    const raw = { o: { k: 1 }, t: '{{o}}' };
    const out = renderValue('{{t}}', raw) as Record<string, unknown>;
    out.k = 2;
    expect(raw.o.k).to.equal(1);
  });

  it('a var holding a function is not callable from a condition', () => {
    const v = { fn: () => 'called' };
    expect(() => parseCondition('fn()')).to.throw(KplayError);
    harmless(() => evaluateExpression(parseCondition('fn'), v));
  });
});
