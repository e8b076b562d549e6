/** `{{ … }}` in YAML values: which language reads it, native types, mixing, located errors, data never rendered. */
import { expect } from 'chai';
import { checkTemplate, renderString, renderValue } from '../../../engine/template/render.ts';
import { classify } from '../../../engine/template/value-template.ts';
import { markData, withData } from '../../../engine/template/lazy-vars.ts';
import { thrownKplayError } from '../../support/errors.ts';

const vars = { pkgs: ['a', 'b'], port: 2379, name: 'n', groups: { etcd: ['e1', 'e2'] }, hostvars: { e1: { ip: '10.0.0.1' }, e2: { ip: '10.0.0.2' } } };
const loc = { file: 'roles/x/tasks/main.yml', line: 4, col: 10 };

describe('template/expressions in values', () => {
  it('classifies each {{ }}: Handlebars paths and helper calls stay Handlebars, the rest is an expression', () => {
    for (const hbs of ['name', ' a.b.c ', 'list.[0]', '@root.x', '../x', 'this', 'kebab-name', "default x 'y'", "join groups.etcd ','", 'not (list)', 'defualt x 1']) {
      expect(classify(hbs), hbs).to.equal('hbs');
    }
    for (const expr of ["x | default('y')", "groups['etcd'][0]", 'a + 1', '[1, 2]', "'s'", '42', 'None', 'not x', 'not (a and b)', "lookup('env', 'HOME')", "'a' if c else 'b'", 'x.split(",")']) {
      expect(classify(expr), expr).to.equal('expr');
    }
  });

  it('a lone expression keeps its native type; in a longer string each part is text', () => {
    expect(renderValue('{{ pkgs | length }}', vars)).to.equal(2);
    expect(renderValue(' {{ pkgs + ["c"] }} ', vars)).to.deep.equal(['a', 'b', 'c']);
    expect(renderValue("{{ {'p': port} }}", vars)).to.deep.equal({ p: 2379 });
    expect(renderValue('https://{{ hostvars[groups.etcd[1]].ip }}:{{ port }}', vars)).to.equal('https://10.0.0.2:2379');
    expect(renderValue('{{ name }}-{{ name | upper }}-{{upper name}}', vars)).to.equal('n-N-N');
    expect(renderValue({ list: ['{{ pkgs | join(",") }}'] }, vars)).to.deep.equal({ list: ['a,b'] });
  });

  it('the ambiguous forms read the same in both languages', () => {
    expect(renderValue('{{ port }}', vars)).to.equal(renderValue('{{port}}', vars));
    expect(renderValue('{{ not port }}', vars)).to.equal(false);
    expect(renderValue('{{not port}}', vars)).to.equal(false);
  });

  it('a value with Handlebars blocks stays Handlebars throughout', () => {
    expect(renderValue('{{#if port}}{{name}}{{/if}}', vars)).to.equal('n');
    expect(checkTemplate("{{#if port}}{{ name | upper }}{{/if}}", loc)?.message).to.match(/Jinja filter/);
  });

  it('a lazy var written as an expression renders when read', () => {
    expect(renderValue('{{ count * 2 }}', { ...vars, count: '{{ pkgs | length }}' })).to.equal(4);
  });

  it('unknown filters, tests and syntax errors are load-time errors at their column, with did you mean', () => {
    const e1 = checkTemplate('x {{ pkgs | lenght }}', loc);
    expect(e1?.message).to.contain("unknown filter 'lenght'");
    expect(e1?.hint).to.equal("did you mean 'length'?");
    expect(e1?.loc).to.deep.equal({ ...loc, col: loc.col + 12 });
    expect(checkTemplate("{{ v is versoin('1') }}", loc)?.hint).to.equal("did you mean 'version'?");
    expect(checkTemplate('{{ a = 1 }}', loc)?.hint).to.equal("compare with '=='");
    expect(checkTemplate("{{ x | default('y' }}", loc)?.message).to.contain("expected ')'");
    expect(checkTemplate("{{ lookup('env', 'HOME') | ansible.builtin.b64encode }}", loc)).to.equal(undefined);
  });

  it('an undefined variable names itself and the task', () => {
    const err = thrownKplayError(() => renderValue('{{ missing | upper }}', vars, { task: 'T', loc }));
    expect(err.code).to.equal('KPLAY_TEMPLATE');
    expect(err.message).to.contain("undefined variable 'missing'").and.contain("task 'T'");
    expect(err.hint).to.contain("missing | default('value')");
  });

  it("mandatory('message') reports its message for an undefined input, as Ansible's mandatory(msg)", () => {
    const message = (src: string) => thrownKplayError(() => renderValue(src, vars)).message;
    expect(message("{{ hostvars['e1'].etcd_ip | mandatory('run the etcd facts first') }}")).to.match(/: run the etcd facts first$/);
    expect(message("{{ missing | mandatory(msg='set missing') }}")).to.match(/: set missing$/);
    expect(message('{{ missing | mandatory }}')).to.match(/: a mandatory variable is not defined$/);
    expect(renderValue("{{ hostvars['e1'].ip | mandatory('x') }}", vars)).to.equal('10.0.0.1');
  });

  it('host output stays data: a registered string holding {{ }} is never evaluated', () => {
    const data = withData({ ...vars }, { result: markData({ stdout: "{{ lookup('pipe', 'echo pwned') }}" }), fact: '{{ port + 1 }}' });
    expect(renderValue('{{ result.stdout }}', data)).to.equal("{{ lookup('pipe', 'echo pwned') }}");
    expect(renderValue('{{ fact ~ "" }}', data)).to.equal('{{ port + 1 }}');
  });

  it('template files stay Handlebars; a Jinja block names its line and the Handlebars form', () => {
    expect(renderString('{{join pkgs ","}}', vars)).to.equal('a,b');
    const err = thrownKplayError(() => renderString('a\n{% if port %}x{% endif %}', vars));
    expect(err.message).to.contain('line 2, column 1 of the template');
    expect(err.hint).to.contain('{{#if port}}');
  });
});
