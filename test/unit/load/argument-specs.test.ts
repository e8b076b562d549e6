import { expect } from 'chai';
import { optionsSchema } from '../../../engine/load/argument-specs.ts';
import { validateWith } from '../../../engine/load/schema-errors.ts';

const spec = optionsSchema(
  {
    port: { type: 'int', required: true },
    mode: { type: 'str', choices: ['fast', 'slow'] },
    enabled: { type: 'bool' },
    hosts: { type: 'list', elements: 'str' },
    tls: { type: 'dict', options: { cert: { type: 'path', required: true } } },
  },
  true,
);

function problems(values: Record<string, unknown>): string[] {
  return validateWith(spec, values, { locate: () => undefined, noun: 'role parameter', lenientTemplates: true }).map((e) => e.message);
}

describe('argument_specs → JSON Schema', () => {
  it('accepts what Ansible converts (int from "8", bool from yes) and other variables', () => {
    expect(problems({ port: '8080', enabled: 'yes', hosts: ['a'], tls: { cert: '/c' }, internal: 1 })).to.deep.equal([]);
  });
  it('accepts templates for any type at load time', () => {
    expect(problems({ port: '{{ p }}', mode: '{{ m }}', tls: '{{ t }}' })).to.deep.equal([]);
  });
  it('rejects wrong types, values outside choices, missing and unknown sub-options', () => {
    expect(problems({ mode: 'medium', enabled: 'maybe', hosts: [{}], tls: { certt: '/c' } })).to.deep.equal([
      "missing required role parameter 'port'",
      "'mode' must be one of: fast, slow; got 'medium'",
      "'enabled' must be a boolean (true/false, yes/no), got 'maybe'",
      "'hosts[0]' must be string or number, got mapping",
      "missing required role parameter 'tls.cert'",
      "unknown role parameter 'tls.certt' (did you mean 'cert'?)",
    ]);
  });
});
