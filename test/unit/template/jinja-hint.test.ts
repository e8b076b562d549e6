import { expect } from 'chai';
import { thrownKplayError } from '../../support/errors.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTemplateFile as checkTemplate, renderString, renderValue } from '../../../engine/template/render.ts';

const loc = { file: 'roles/x/tasks/main.yml', line: 4, col: 10 };

const runtimeError = thrownKplayError;

describe('template/Jinja hints in template files (.hbs stay Handlebars)', () => {
  const cases: [string, string][] = [
    ["{{ x | default('y') }}", "{{default x 'y'}}"],
    ["{{ x | d('y') }}", "{{default x 'y'}}"],
    ['{{ names | join(",") }}', '{{join names ","}}'],
    ["{{ x | default('a') | upper }}", "{{upper (default x 'a')}}"],
    ['{{ data | to_json }}', '{{to_json data}}'],
    ["{{ s | regex_replace('a', 'b') }}", "{{regex_replace s 'a' 'b'}}"],
    ['{{ groups["etcd"][0] }}', '{{groups.etcd.[0]}}'],
  ];

  for (const [jinja, handlebars] of cases) {
    it(`load time: ${jinja} → ${handlebars}`, () => {
      const err = checkTemplate(`value: ${jinja}`, loc);
      expect(err?.code).to.equal('KPLAY_TEMPLATE');
      expect(err?.hint).to.contain(handlebars);
      expect(err?.loc).to.deep.equal({ ...loc, col: loc.col + 7 });
    });
  }

  it('load time: the column counts the quote of a quoted YAML scalar', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kplay-jinja-')), 'play.yml');
    writeFileSync(file, '- debug:\n    msg: "x {{ y | d(1) }}"\n');
    expect(checkTemplate('x {{ y | d(1) }}', { file, line: 2, col: 10 })?.loc).to.deep.equal({ file, line: 2, col: 13 });
  });

  it('load time: {% if %} shows #if', () => {
    const err = checkTemplate('{% if x == 1 %}a{% endif %}', loc);
    expect(err?.message).to.contain('{% if');
    expect(err?.hint).to.contain('{{#if (eq x 1)}}');
  });

  it('load time: {% for %} shows #each', () => {
    const err = checkTemplate('{% for h in groups.etcd %}{{ h }}{% endfor %}', loc);
    expect(err?.hint).to.contain('{{#each groups.etcd as |h|}}');
  });

  it('load time: operators and comments', () => {
    expect(checkTemplate('{{ a == b }}', loc)?.hint).to.contain('(eq a b)');
    expect(checkTemplate("{{ 'a' if b else 'c' }}", loc)?.hint).to.contain('helpers');
    expect(checkTemplate('{# note #}', loc)?.hint).to.contain('{{!--');
  });

  it('does not flag Handlebars', () => {
    for (const ok of [
      '{{#each xs as |x i|}}{{x}}{{/each}}',
      "{{join xs ' | '}}",
      '{{!-- a comment --}} {{#if (and a (not b))}}y{{/if}}',
      '{{{raw}}} {{~x~}} {{@root.a}} {{../a}}',
    ]) {
      expect(checkTemplate(ok, loc), ok).to.equal(undefined);
    }
  });

  it('run time: the same hint from renderValue and renderString, with the task', () => {
    const err = runtimeError(() => renderString("{{ x | default('y') }}", {}, { task: 'T', loc }));
    expect(err.code).to.equal('KPLAY_TEMPLATE');
    expect(err.hint).to.contain("{{default x 'y'}}");
    expect(err.message).to.contain("task 'T'");
    expect(err.loc).to.deep.equal(loc);
    expect(runtimeError(() => renderString('{% if a %}x{% endif %}', { a: 1 })).hint).to.contain('{{#if a}}');
  });

  it('a value (not a template file) takes the expression: a lazy var with a filter renders', () => {
    expect(renderValue('{{outer}}', { outer: "{{ x | default('y') }}" }, { task: 'T' })).to.equal('y');
    const err = runtimeError(() => renderValue('{{outer}}', { outer: '{{ x | upper }}' }, { task: 'T' }));
    expect(err.message).to.contain("undefined variable 'x'");
    expect(err.message).to.contain('while rendering outer');
  });
});
