/**
 * The Ansible corpus: expressions as Ansible playbooks write them (test/fixtures/template/
 * ansible-corpus.yml), each with the value Ansible 2.14 computes for it (ansible-corpus.json, written
 * by scripts/gen-ansible-corpus.py with Debian's ansible-core). kplay must compute the same value,
 * as a lone `{{ … }}` value (native type), and every entry must pass the load-time check.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { checkTemplate, renderValue } from '../../../engine/template/render.ts';
import { deepEqual } from '../../../engine/template/values.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/template');
const corpus = yaml.load(readFileSync(join(dir, 'ansible-corpus.yml'), 'utf8')) as { vars: Record<string, unknown>; expressions: string[] };
const fixture = JSON.parse(readFileSync(join(dir, 'ansible-corpus.json'), 'utf8')) as { ansible_core: string; results: { expr: string; value: unknown }[] };

describe(`template/Ansible corpus (${fixture.results.length} expressions, values from ansible-core ${fixture.ansible_core})`, () => {
  before(() => {
    process.env['KPLAY_CORPUS_ENV'] = 'from-env';
    delete process.env['KPLAY_CORPUS_UNSET_VAR'];
  });

  it('the fixture covers the corpus (regenerate with scripts/gen-ansible-corpus.py)', () => {
    expect(fixture.results.map((r) => r.expr)).to.deep.equal(corpus.expressions);
    expect(fixture.results.length).to.be.at.least(150);
  });

  it('every expression passes the load-time check', () => {
    const bad = corpus.expressions.map((e) => [e, checkTemplate(`{{ ${e} }}`)?.message] as const).filter(([, m]) => m);
    expect(bad).to.deep.equal([]);
  });

  it('every expression has the value Ansible gives', () => {
    const mismatches: string[] = [];
    for (const { expr, value } of fixture.results) {
      let got: unknown;
      try {
        got = renderValue(`{{ ${expr} }}`, corpus.vars);
      } catch (err) {
        mismatches.push(`${expr}: error ${(err as Error).message}`);
        continue;
      }
      // JSON has no undefined; Ansible's none is null
      const normal = got === undefined ? null : JSON.parse(JSON.stringify(got));
      if (!deepEqual(normal, value)) mismatches.push(`${expr}: kplay ${JSON.stringify(normal)}, Ansible ${JSON.stringify(value)}`);
    }
    expect(mismatches, mismatches.join('\n')).to.deep.equal([]);
  });
});
