import { expect } from 'chai';
import { extractKnownKv, parseKv } from '../../../engine/load/kv.ts';

describe('key=value strings', () => {
  it('parses pairs with quoted values', () => {
    expect(parseKv('path=/x state=touch mode="0644" owner=\'a b\'')).to.deep.equal([
      { key: 'path', value: '/x' },
      { key: 'state', value: 'touch' },
      { key: 'mode', value: '0644' },
      { key: 'owner', value: 'a b' },
    ]);
  });
  it('refuses a word that is not key=value', () => {
    expect(parseKv('path=/x touch')).to.equal(undefined);
  });
  it('takes only known options out of a free-form command', () => {
    const r = extractKnownKv('sysctl -w net.ipv4.ip_forward=1 chdir=/tmp FOO=bar', new Set(['chdir', 'creates']));
    expect(r.tokens).to.deep.equal([{ key: 'chdir', value: '/tmp' }]);
    expect(r.rest).to.equal('sysctl -w net.ipv4.ip_forward=1 FOO=bar');
  });
  it('keeps a multi-line script verbatim', () => {
    const script = 'cd /tmp\nchdir=/x echo hi\n';
    expect(extractKnownKv(script, new Set(['chdir']))).to.deep.equal({ rest: script, tokens: [] });
  });
});
