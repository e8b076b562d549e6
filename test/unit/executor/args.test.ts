/** Run-time module arguments: coerced on a copy, so the task's own (shared) arguments never change. */
import { expect } from 'chai';
import { copyData, prepareArgs } from '../../../engine/executor/args.ts';
import type { AnyModule } from '../../../modules/api.ts';

const fake = {
  name: 'fake',
  schema: {
    type: 'object',
    properties: {
      n: { type: 'integer' },
      opts: { type: 'object', properties: { flag: { type: 'boolean' }, list: { type: 'array', items: { type: 'string' } } } },
    },
    additionalProperties: false,
  },
} as unknown as AnyModule;
const loc = { file: 'site.yml', line: 3, col: 5 };

describe('prepareArgs', () => {
  it('coerces nested values without touching the rendered arguments', () => {
    const shared = { flag: 'true', list: [1, 'b'] };
    const rendered = { n: '7', opts: shared };
    const { args, errors } = prepareArgs(fake, rendered, loc, {});
    expect(errors).to.deep.equal([]);
    expect(args).to.deep.equal({ n: 7, opts: { flag: true, list: ['1', 'b'] } });
    expect(rendered).to.deep.equal({ n: '7', opts: { flag: 'true', list: [1, 'b'] } });
    expect(shared.list).to.deep.equal([1, 'b']);
  });

  it('reports what coercion cannot fix', () => {
    const { errors } = prepareArgs(fake, { n: 'seven' }, loc, {});
    expect(errors).to.have.length(1);
    expect(errors[0]!.message).to.match(/\bn\b/);
  });
});

describe('copyData', () => {
  it('copies plain objects and arrays deeply, keeps other values, and keeps a __proto__ key as data', () => {
    const when = new Date(0);
    const src = JSON.parse('{"a":{"b":[1,{"c":2}]},"__proto__":{"x":1}}') as Record<string, unknown>;
    src.when = when;
    const out = copyData(src) as Record<string, unknown>;
    expect(out).to.deep.equal(src);
    expect(out.a).not.to.equal(src.a);
    expect((out.a as { b: unknown[] }).b[1]).not.to.equal((src.a as { b: unknown[] }).b[1]);
    expect(out.when).to.equal(when);
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.keys(out)).to.include('__proto__');
  });
});
