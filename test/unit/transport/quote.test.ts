import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quote, quoteArgv, sh } from '../../../engine/transport/quote.ts';

describe('quote: round trip through a real sh -c', () => {
  let dir: string;
  let canary: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-quote-'));
    canary = join(dir, 'pwned');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hostile = () => [
    '',
    'plain',
    'with space',
    '  leading and trailing  ',
    "single ' quote",
    "''",
    'double " quote',
    '$(touch CANARY)',
    '`touch CANARY`',
    '${HOME}',
    '$HOME',
    'a;touch CANARY',
    'a && touch CANARY',
    'a | touch CANARY',
    '> CANARY',
    'new\nline',
    '\n',
    'tab\there',
    '*',
    '/*',
    '?',
    '[a-z]*',
    '~',
    '~root',
    'back\\slash',
    '\\',
    '!',
    '#not a comment',
    '-n',
    '--',
    'é ünïcödé ✓',
    "mixed '\"$(`x`)\"' \\n",
    'a=b',
    '%s%n',
  ].map((s) => s.replaceAll('CANARY', canary));

  for (const shell of ['/bin/sh', '/bin/dash', '/bin/bash']) {
    it(`every hostile word survives ${shell} unchanged and nothing executes`, function () {
      if (!existsSync(shell)) this.skip();
      for (const word of hostile()) {
        const out = execFileSync(shell, ['-c', `printf '%s' ${quote(word)}`], { cwd: dir }).toString();
        expect(out, JSON.stringify(word)).to.equal(word);
      }
      expect(existsSync(canary)).to.equal(false);
    });
  }

  it('quoteArgv keeps word boundaries (NUL-separated back)', () => {
    const words = hostile();
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${quoteArgv(words)}`], { cwd: dir }).toString();
    expect(out.split('\0').slice(0, -1)).to.deep.equal(words);
    expect(existsSync(canary)).to.equal(false);
  });

  it('sh`` quotes values and arrays but not the literal script', () => {
    const file = "it's $(touch x).txt";
    const cmd = sh`printf '%s|' ${file} ${['a b', '*']}`;
    expect(execFileSync('/bin/sh', ['-c', cmd], { cwd: dir }).toString()).to.equal(`${file}|a b|*|`);
  });

  it('leaves safe words bare and quotes the empty word', () => {
    expect(quote('abc/def-1.2_x:y@z%+=,')).to.equal('abc/def-1.2_x:y@z%+=,');
    expect(quote('')).to.equal("''");
    expect(quote(42)).to.equal('42');
  });
});
