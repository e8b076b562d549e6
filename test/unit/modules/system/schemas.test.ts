/** Every system module: a strict, documented schema that rejects unknown keys and wrong types. */
import { expect } from 'chai';
import { Ajv } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { systemModules } from '../../../../modules/system/index.ts';

const ajv = new Ajv({ allErrors: true, strict: false });

function props(s: TSchema): Record<string, TSchema & { description?: string }> {
  return (s as { properties?: Record<string, TSchema & { description?: string }> }).properties ?? {};
}

/** The smallest valid arguments of each module, to mutate into invalid ones. */
const minimal: Record<string, Record<string, unknown>> = {
  apt: { name: 'curl' },
  blockinfile: { path: '/f', block: 'x' },
  command: { cmd: 'ls' },
  copy: { dest: '/f', content: 'x' },
  dnf: { name: 'curl' },
  file: { path: '/f' },
  group: { name: 'g' },
  hostname: { name: 'h1' },
  ip_route: { dest: '10.244.1.0/24', gateway: '198.18.0.12' },
  lineinfile: { path: '/f', line: 'x' },
  modprobe: { name: 'overlay' },
  package: { name: 'curl' },
  service: { name: 'etcd' },
  shell: { cmd: 'ls' },
  sysctl: { name: 'net.ipv4.ip_forward', value: 1 },
  systemd: { name: 'etcd' },
  systemd_service: { name: 'etcd' },
  template: { src: 'a.hbs', dest: '/f' },
  uri: { url: 'http://127.0.0.1/' },
  user: { name: 'u' },
  wait_for: { port: 80 },
};

describe('system modules: schemas', () => {
  for (const [key, m] of Object.entries(systemModules)) {
    describe(key, () => {
      it('is registered under its own name, with docs', () => {
        expect(m.name).to.equal(key);
        expect(m.doc.short).to.be.a('string').and.not.equal('');
        expect(m.doc.examples ?? '', 'examples use the module').to.contain(key === 'systemd_service' ? 'systemd' : key === 'apt' || key === 'dnf' ? 'package' : key);
      });
      it('describes every argument and forbids unknown ones', () => {
        expect((m.schema as { additionalProperties?: boolean }).additionalProperties).to.equal(false);
        for (const [name, p] of Object.entries(props(m.schema))) expect(p.description, `${key}.${name}`).to.be.a('string').and.not.equal('');
      });
      it('accepts minimal arguments; rejects an unknown key and a wrong type', () => {
        const v = ajv.compile(m.schema);
        const args = minimal[key];
        expect(args, `add ${key} to the minimal table`).to.not.equal(undefined);
        expect(v(args), JSON.stringify(v.errors)).to.equal(true);
        expect(m.validate ? m.validate(args as never) : [], 'validate() accepts minimal args').to.deep.equal([]);
        expect(v({ ...args, no_such_option: 1 })).to.equal(false);
        const first = Object.keys(args!)[0]!;
        expect(v({ ...args, [first]: { nested: true } })).to.equal(false);
      });
    });
  }
});
