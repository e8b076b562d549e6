/**
 * Taint (issue 18): values from hosts are data. A data string is never rendered as a template, in
 * a value, a condition, a template file, a loop item, a dict or list nested anywhere.
 */
import { expect } from 'chai';
import { DATA_KEYS, dataKeySet, isData, markData, withData } from '../../../engine/template/lazy-vars.ts';
import { evaluateCondition, evaluateExpression, parseCondition } from '../../../engine/template/expression.ts';
import { renderString, renderValue } from '../../../engine/template/render.ts';
import { factsLayer, resolveVars } from '../../../engine/vars/precedence.ts';
import { HostState } from '../../../engine/executor/host-state.ts';

const PAYLOAD = "{{lookup 'env' 'HOME'}}";
const BROKEN = '{{this is not a template';

function layers(over: Partial<Parameters<typeof resolveVars>[0]>): Parameters<typeof resolveVars>[0] {
  return { roleDefaults: [], inventory: {}, play: {}, roleVars: [], scope: [], hostFacts: {}, extra: {}, magic: {}, ...over };
}

describe('template/taint: host output is data', () => {
  it('a registered result, at any depth, is never rendered', () => {
    const h = new HostState('h1');
    h.setFacts({ banner: { stdout: PAYLOAD, stdout_lines: [PAYLOAD], json: { deep: [{ x: PAYLOAD }] } } });
    const vars = resolveVars(layers({ hostFacts: h.facts }));
    expect(renderValue('{{banner.stdout}}', vars)).to.equal(PAYLOAD);
    expect(renderString('a {{banner.stdout}} b', vars)).to.equal(`a ${PAYLOAD} b`);
    expect(renderValue('{{lookup banner.stdout_lines 0}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{banner.json}}', vars)).to.deep.equal({ deep: [{ x: PAYLOAD }] });
    expect(renderString('{{#each banner.json.deep}}{{this.x}}{{/each}}', vars)).to.equal(PAYLOAD);
    expect(evaluateExpression(parseCondition('banner.stdout'), vars)).to.equal(PAYLOAD);
  });

  it('a set_fact string (top level of the host store) is data; an include_vars one stays a template', () => {
    const h = new HostState('h1');
    h.setFacts({ fact: PAYLOAD, broken: BROKEN });
    h.setFacts({ from_file: '{{fact}}!' }, 'vars-file');
    const vars = resolveVars(layers({ hostFacts: h.facts }));
    expect(renderValue('{{fact}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{broken}}', vars)).to.equal(BROKEN);
    expect(renderValue('{{from_file}}', vars)).to.equal(`${PAYLOAD}!`);
    // a later set_fact of the same name from a vars file makes it a template again, and back
    h.setFacts({ fact: '{{from_file}}' }, 'vars-file');
    h.setFacts({ fact: PAYLOAD });
    expect(renderValue('{{fact}}', resolveVars(layers({ hostFacts: h.facts })))).to.equal(PAYLOAD);
  });

  it('a condition that reads host output does not render it', () => {
    const h = new HostState('h1');
    h.setFacts({ r: { stdout: BROKEN }, s: BROKEN });
    const vars = resolveVars(layers({ hostFacts: h.facts }));
    expect(evaluateCondition(parseCondition("'this' in r.stdout"), vars)).to.equal(true);
    expect(evaluateCondition(parseCondition("s.startswith('{{')"), vars)).to.equal(true);
  });

  it('gathered facts are data; a play var of the same name wins and is a template', () => {
    const facts = factsLayer({ ansible_hostname: PAYLOAD, ansible_distribution: BROKEN });
    const vars = resolveVars(layers({ facts, play: { ansible_distribution: '{{ansible_hostname}}' } }));
    expect(renderValue('{{ansible_hostname}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{ansible_facts.hostname}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{ansible_distribution}}', vars)).to.equal(PAYLOAD);
  });

  it('set_fact/register override a template of the same name; a -e var overrides the data', () => {
    const h = new HostState('h1');
    h.setFacts({ x: PAYLOAD, y: PAYLOAD });
    const vars = resolveVars(layers({ play: { x: '{{y}}', z: 'zz' }, hostFacts: h.facts, extra: { y: '{{z}}' } }));
    expect(renderValue('{{x}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{y}}', vars)).to.equal('zz');
  });

  it('a loop item and result fields added with withData are data, and keep the base marks', () => {
    const h = new HostState('h1');
    h.setFacts({ x: PAYLOAD });
    const base = resolveVars(layers({ hostFacts: h.facts, play: { tpl: '{{item}}' } }));
    const itemVars = withData(base, { item: PAYLOAD });
    expect(renderValue('{{item}}', itemVars)).to.equal(PAYLOAD);
    expect(renderValue('{{tpl}}', itemVars)).to.equal(PAYLOAD);
    expect(renderValue('{{x}}', itemVars)).to.equal(PAYLOAD);
    // a spread keeps the marks (the symbol property is enumerable)
    expect(renderValue('{{x}}', { ...itemVars, other: 1 })).to.equal(PAYLOAD);
  });

  it('a data list or dict in a scope layer (include loop item, rescue result) is data', () => {
    const vars = resolveVars(layers({ scope: [markData({ item: PAYLOAD, ansible_failed_result: { msg: PAYLOAD } })] }));
    expect(renderValue('{{item}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{ansible_failed_result.msg}}', vars)).to.equal(PAYLOAD);
  });

  it('a template var that reads host output renders once: its value is not rendered again', () => {
    const h = new HostState('h1');
    h.setFacts({ r: { stdout: PAYLOAD } });
    const vars = resolveVars(layers({ play: { banner: '{{r.stdout}}', wrapped: { list: ['{{r.stdout}}'] } }, hostFacts: h.facts }));
    expect(renderValue('{{banner}}', vars)).to.equal(PAYLOAD);
    expect(renderString('{{banner}}', vars)).to.equal(PAYLOAD);
    expect(renderValue('{{wrapped}}', vars)).to.deep.equal({ list: [PAYLOAD] });
  });

  it('text written in vars is still rendered lazily (nothing else changed)', () => {
    const vars = resolveVars(layers({ inventory: { a: '{{b}}/x' }, play: { b: '/opt' } }));
    expect(renderValue('{{a}}', vars)).to.equal('/opt/x');
  });

  it('markData is deep and skips proxies; DATA_KEYS never shows in keys or JSON', () => {
    const v = markData({ a: [{ b: 1 }] });
    expect(isData(v.a)).to.equal(true);
    expect(isData(v.a[0])).to.equal(true);
    const store = {};
    dataKeySet(store).add('k');
    expect(Object.keys(store)).to.deep.equal([]);
    expect(JSON.stringify(resolveVars(layers({ hostFacts: store })))).to.equal('{}');
    expect(DATA_KEYS in resolveVars(layers({}))).to.equal(true);
  });
});
