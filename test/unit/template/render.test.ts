import { expect } from 'chai';
import { thrownKplayError } from '../../support/errors.ts';
import { checkTemplate, isTemplate, renderString, renderValue, UndefinedVariableError } from '../../../engine/template/render.ts';

const loc = { file: 'roles/etcd/tasks/main.yml', line: 12, col: 7 };
const ctx = { task: 'Install etcd', loc };

const thrown = thrownKplayError;

describe('template/render', () => {
  const vars = {
    name: 'etcd',
    port: 2379,
    enabled: true,
    nothing: null,
    groups: { etcd: ['cp1', 'cp2', 'cp3'], empty: [] },
    cfg: { a: 1, b: [1, 2] },
    users: [{ name: 'u1' }, { name: 'u2' }],
  };

  describe('native types', () => {
    it('keeps a list, number, bool, object and null for a lone {{expr}}', () => {
      expect(renderValue('{{groups.etcd}}', vars)).to.deep.equal(['cp1', 'cp2', 'cp3']);
      expect(renderValue('{{port}}', vars)).to.equal(2379);
      expect(renderValue('{{enabled}}', vars)).to.equal(true);
      expect(renderValue('{{cfg}}', vars)).to.deep.equal({ a: 1, b: [1, 2] });
      expect(renderValue('{{nothing}}', vars)).to.equal(null);
    });

    it('keeps the native type of a helper call', () => {
      expect(renderValue('{{default missing 5}}', vars)).to.equal(5);
      expect(renderValue('{{length groups.etcd}}', vars)).to.equal(3);
      expect(renderValue('{{concat groups.etcd (list "x")}}', vars)).to.deep.equal(['cp1', 'cp2', 'cp3', 'x']);
      expect(renderValue('{{eq port 2379}}', vars)).to.equal(true);
    });

    it('ignores whitespace around a lone expression, and keeps literals native', () => {
      expect(renderValue('  {{port}}\n', vars)).to.equal(2379);
      expect(renderValue('{{ port }}', vars)).to.equal(2379);
      expect(renderValue('{{42}}', vars)).to.equal(42);
      expect(renderValue('{{"s"}}', vars)).to.equal('s');
    });

    it('renders strings elsewhere to strings, lists and dicts as JSON', () => {
      expect(renderValue('port={{port}}', vars)).to.equal('port=2379');
      expect(renderValue('{{port}}{{port}}', vars)).to.equal('23792379');
      expect(renderValue('x {{groups.etcd}}', vars)).to.equal('x ["cp1","cp2","cp3"]');
      expect(renderValue('x {{nothing}}', vars)).to.equal('x ');
      expect(renderString('{{port}}', vars)).to.equal('2379');
    });

    it('renders deeply inside lists and objects without touching other values', () => {
      const value = { a: ['{{port}}', 'x{{name}}'], b: { c: '{{enabled}}', d: 3, e: false } };
      expect(renderValue(value, vars)).to.deep.equal({ a: [2379, 'xetcd'], b: { c: true, d: 3, e: false } });
      const plain = { a: [1, 'x'] };
      expect(renderValue(plain, vars)).to.equal(plain);
    });

    it('returns plain data, never a proxy', () => {
      const out = renderValue('{{cfg}}', vars) as Record<string, unknown>;
      expect(JSON.parse(JSON.stringify(out))).to.deep.equal(out);
      expect(() => {
        out.a = 2;
      }).not.to.throw();
    });

    it('isTemplate spots {{', () => {
      expect(isTemplate('a {{b}}')).to.equal(true);
      expect(isTemplate('plain')).to.equal(false);
    });
  });

  describe('blocks', () => {
    it('supports #if/#unless/#each/#with and @index', () => {
      expect(renderString('{{#if enabled}}on{{else}}off{{/if}}', vars)).to.equal('on');
      expect(renderString('{{#unless enabled}}off{{else}}on{{/unless}}', vars)).to.equal('on');
      expect(renderString('{{#each users}}{{@index}}={{name}};{{/each}}', vars)).to.equal('0=u1;1=u2;');
      expect(renderString('{{#each users as |u|}}{{u.name}} {{/each}}', vars)).to.equal('u1 u2 ');
      expect(renderString('{{#with cfg}}{{a}}{{/with}}', vars)).to.equal('1');
      expect(renderString('{{#each groups.etcd}}{{this}}:{{../port}} {{/each}}', vars)).to.equal('cp1:2379 cp2:2379 cp3:2379 ');
    });

    it('treats an undefined #if argument as false', () => {
      expect(renderString('{{#if missing}}a{{else}}b{{/if}}', vars)).to.equal('b');
      expect(renderString('{{#if missing.deep.path}}a{{else}}b{{/if}}', vars)).to.equal('b');
      expect(renderString('{{#unless missing}}b{{/unless}}', vars)).to.equal('b');
    });

    it('keeps whitespace control working', () => {
      expect(renderString('a  {{~port~}}  b', vars)).to.equal('a2379b');
    });
  });

  describe('strict undefined', () => {
    it('names the variable, the task and the location', () => {
      const err = thrown(() => renderValue('{{missing}}', vars, ctx));
      expect(err.code).to.equal('KPLAY_TEMPLATE');
      expect(err.message).to.contain("'missing'").and.contain("'Install etcd'").and.contain('roles/etcd/tasks/main.yml:12:7');
      expect(err.loc).to.deep.equal(loc);
      expect(err.hint).to.contain('default');
    });

    it('points at the argument with keyLocs', () => {
      const destLoc = { ...loc, line: 14, col: 15 };
      const err = thrown(() => renderValue({ mode: '0644', dest: '{{nope}}/x' }, vars, { ...ctx, keyLocs: { dest: destLoc } }));
      expect(err.loc).to.deep.equal(destLoc);
      expect(renderValue({ a: '{{port}}', b: 1 }, vars, { keyLocs: { a: loc } })).to.deep.equal({ a: 2379, b: 1 });
    });

    it('names the full path and the missing segment', () => {
      const err = thrown(() => renderString('x {{cfg.nope.deeper}}', vars, ctx));
      expect(err).to.be.instanceOf(UndefinedVariableError);
      expect((err as UndefinedVariableError).root).to.equal('cfg');
      expect(err.message).to.contain("'cfg.nope.deeper'").and.contain("'nope' is not defined");
    });

    it('fails for an undefined helper argument and inside a larger string', () => {
      expect(thrown(() => renderValue('{{upper missing}}', vars, ctx)).message).to.contain("'missing'");
      expect(thrown(() => renderValue('a{{missing}}b', vars, ctx)).message).to.contain("'missing'");
      expect(thrown(() => renderValue({ deep: ['{{missing}}'] }, vars, ctx)).message).to.contain("'missing'");
    });

    it('fails inside #each for a missing attribute', () => {
      const err = thrown(() => renderString('{{#each users}}{{nme}}{{/each}}', vars, ctx));
      expect(err.message).to.contain("'nme'");
    });

    it('lets default supply a value for an undefined variable or path', () => {
      expect(renderValue('{{default missing "x"}}', vars)).to.equal('x');
      expect(renderValue('{{default missing.deep.path "x"}}', vars)).to.equal('x');
      expect(renderValue('{{default nothing "x"}}', vars)).to.equal('x');
      expect(renderValue('{{default name "x"}}', vars)).to.equal('etcd');
      expect(renderValue('{{default @root.missing 1}}', vars)).to.equal(1);
      expect(renderString('{{#each users}}{{default nick name}} {{/each}}', vars)).to.equal('u1 u2 ');
      expect(renderValue('{{#if (default missing false)}}a{{else}}b{{/if}}', vars)).to.equal('b');
    });

    it('reports an unknown helper with a suggestion', () => {
      const err = thrown(() => renderString('{{uper name}}', vars, ctx));
      expect(err.message).to.contain("unknown helper 'uper'");
      expect(err.hint).to.contain("'upper'");
    });
  });

  describe('checkTemplate', () => {
    it('accepts good templates and plain strings', () => {
      expect(checkTemplate('plain', loc)).to.equal(undefined);
      expect(checkTemplate('{{#each xs as |x|}}{{x}}{{/each}} {{default a 1}}', loc)).to.equal(undefined);
    });

    it('reports a Handlebars syntax error', () => {
      const err = checkTemplate('{{#if x}}unclosed', loc);
      expect(err?.code).to.equal('KPLAY_TEMPLATE');
      expect(err?.message).to.contain('syntax');
    });

    it('reports an unknown helper at load time with its column', () => {
      const err = checkTemplate('abc {{defualt x 1}}', loc);
      expect(err?.message).to.contain("unknown helper 'defualt'");
      expect(err?.hint).to.contain("'default'");
      expect(err?.loc).to.deep.equal({ ...loc, col: loc.col + 6 });
    });
  });

  describe('compile cache', () => {
    it('renders the same source with different vars correctly', () => {
      for (let i = 0; i < 5; i++) expect(renderValue('{{n}}-x', { n: i })).to.equal(`${i}-x`);
      for (let i = 0; i < 5; i++) expect(renderValue('{{n}}', { n: i })).to.equal(i);
    });
  });
});
