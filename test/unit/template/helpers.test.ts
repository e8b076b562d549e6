import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KplayError } from '../../../engine/errors.ts';
import { renderValue } from '../../../engine/template/render.ts';

const vars = {
  s: 'Hello World',
  padded: '  x  ',
  n: 5,
  list: ['b', 'a', 'c', 'a'],
  nums: [3, 1, 2],
  obj: { k: 'v', n: 1 },
  users: [
    { name: 'u1', uid: 1 },
    { name: 'u2', uid: 2 },
  ],
  path: '/etc/kubernetes/pki/ca.crt',
  yes: 'yes',
  json: '{"a":[1,2]}',
};

/** Render a lone expression (native result). */
const r = (tpl: string, extra: Record<string, unknown> = {}) => renderValue(tpl, { ...vars, ...extra });

describe('template/helpers', () => {
  it('default: fallback for undefined and null, keeps defined values, falsy with the third argument', () => {
    expect(r('{{default missing "d"}}')).to.equal('d');
    expect(r('{{default s "d"}}')).to.equal('Hello World');
    expect(r('{{default x 5}}', { x: null })).to.equal(5);
    expect(r('{{default x 5}}', { x: '' })).to.equal('');
    expect(r('{{default x 5 true}}', { x: '' })).to.equal(5);
    expect(r('{{default x 5}}', { x: 0 })).to.equal(0);
  });

  it('eq, ne, lt, gt, le, ge compare by value', () => {
    expect(r('{{eq n 5}}')).to.equal(true);
    expect(r('{{eq obj (dict k="v" n=1)}}')).to.equal(true);
    expect(r('{{ne n 5}}')).to.equal(false);
    expect(r('{{lt n 6}}')).to.equal(true);
    expect(r('{{gt n 6}}')).to.equal(false);
    expect(r('{{le n 5}}')).to.equal(true);
    expect(r('{{ge n 6}}')).to.equal(false);
  });

  it('and, or, not follow Jinja truthiness', () => {
    expect(r('{{and n s}}')).to.equal(true);
    expect(r('{{and n ""}}')).to.equal(false);
    expect(r('{{or 0 list}}')).to.equal(true);
    expect(r('{{not (list)}}')).to.equal(true);
    expect(r('{{ternary (eq n 5) "five" "other"}}')).to.equal('five');
  });

  it('join and split', () => {
    expect(r('{{join list ","}}')).to.equal('b,a,c,a');
    expect(r('{{join list}}')).to.equal('baca');
    expect(r('{{split "a,b" ","}}')).to.deep.equal(['a', 'b']);
    expect(r('{{split " a  b "}}')).to.deep.equal(['a', 'b']);
  });

  it("lookup 'file' and 'env', and Handlebars' own lookup obj key", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-tpl-'));
    writeFileSync(join(dir, 'key.pub'), 'ssh-ed25519 AAAA\n');
    expect(renderValue("{{lookup 'file' 'key.pub'}}", {}, { baseDir: dir })).to.equal('ssh-ed25519 AAAA');
    expect(renderValue(`{{lookup 'file' '${join(dir, 'key.pub')}'}}`, {})).to.equal('ssh-ed25519 AAAA');
    // inside a lazy var too, with the same baseDir
    expect(renderValue('{{pub}}', { pub: "{{lookup 'file' 'key.pub'}}" }, { baseDir: dir })).to.equal('ssh-ed25519 AAAA');
    process.env.KPLAY_TPL_TEST = 'from-env';
    expect(r("{{lookup 'env' 'KPLAY_TPL_TEST'}}")).to.equal('from-env');
    expect(r("{{lookup 'env' 'KPLAY_TPL_TEST_UNSET'}}")).to.equal('');
    expect(r('{{lookup obj "k"}}')).to.equal('v');
    expect(r('{{lookup list 1}}')).to.equal('a');
    expect(r('{{lookup obj "constructor"}}')).to.equal(undefined);
    try {
      renderValue("{{lookup 'file' 'nope.txt'}}", {}, { baseDir: dir });
      expect.fail('should throw');
    } catch (err) {
      expect((err as KplayError).code).to.equal('KPLAY_FILE_NOT_FOUND');
    }
  });

  it('to_json, to_yaml, from_json, from_yaml', () => {
    expect(r('{{to_json obj}}')).to.equal('{"k":"v","n":1}');
    expect(r('{{to_json obj 2}}')).to.equal('{\n  "k": "v",\n  "n": 1\n}');
    expect(r('{{to_yaml (dict a=1 b="x" c=(list 1 2))}}')).to.equal('a: 1\nb: x\nc:\n  - 1\n  - 2');
    expect(r('{{from_json json}}')).to.deep.equal({ a: [1, 2] });
    expect(r('{{from_yaml "a: [1, 2]"}}')).to.deep.equal({ a: [1, 2] });
  });

  it('b64encode, b64decode, sha256', () => {
    expect(r('{{b64encode "kplay"}}')).to.equal('a3BsYXk=');
    expect(r('{{b64decode "a3BsYXk="}}')).to.equal('kplay');
    expect(r('{{sha256 "abc"}}')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('indent: all lines but the first, first=true for the first too, blank lines untouched', () => {
    expect(r('{{indent "a\nb\n\nc" 2}}')).to.equal('a\n  b\n\n  c');
    expect(r('{{indent "a\nb" 2 first=true}}')).to.equal('  a\n  b');
    expect(r('{{indent "a\nb"}}')).to.equal('a\n    b');
  });

  it('upper, lower, trim, capitalize', () => {
    expect(r('{{upper s}}')).to.equal('HELLO WORLD');
    expect(r('{{lower s}}')).to.equal('hello world');
    expect(r('{{trim padded}}')).to.equal('x');
    expect(r('{{capitalize "hELLO"}}')).to.equal('Hello');
  });

  it('replace and regex_replace (with Python backreferences)', () => {
    expect(r('{{replace s "o" "0"}}')).to.equal('Hell0 W0rld');
    expect(r('{{regex_replace s "(\\w+) (\\w+)" "\\2 \\1"}}')).to.equal('World Hello');
    expect(r('{{regex_replace "a.b" "\\." "$"}}')).to.equal('a$b');
    expect(r('{{regex_search "v1.28.3" "\\d+\\.\\d+"}}')).to.equal('1.28');
  });

  it('basename and dirname', () => {
    expect(r('{{basename path}}')).to.equal('ca.crt');
    expect(r('{{dirname path}}')).to.equal('/etc/kubernetes/pki');
  });

  it('quote quotes for the shell', () => {
    expect(r('{{quote "a b"}}')).to.equal("'a b'");
    expect(r("{{quote \"it's\"}}")).to.equal("'it'\\''s'");
    expect(r('{{quote "plain"}}')).to.equal('plain');
  });

  it('length of strings, lists and dicts', () => {
    expect(r('{{length s}}')).to.equal(11);
    expect(r('{{length list}}')).to.equal(4);
    expect(r('{{length obj}}')).to.equal(2);
  });

  it('first, last, concat, list, range', () => {
    expect(r('{{first list}}')).to.equal('b');
    expect(r('{{last list}}')).to.equal('a');
    expect(r('{{concat list nums "x"}}')).to.deep.equal(['b', 'a', 'c', 'a', 3, 1, 2, 'x']);
    expect(r('{{list 1 "a"}}')).to.deep.equal([1, 'a']);
    expect(r('{{range 3}}')).to.deep.equal([0, 1, 2]);
    expect(r('{{range 1 4}}')).to.deep.equal([1, 2, 3]);
    expect(r('{{range 10 0 -5}}')).to.deep.equal([10, 5]);
  });

  it('int, float, bool, string', () => {
    expect(r('{{int "42"}}')).to.equal(42);
    expect(r('{{int "x"}}')).to.equal(0);
    expect(r('{{float "1.5"}}')).to.equal(1.5);
    expect(r('{{bool yes}}')).to.equal(true);
    expect(r('{{bool "off"}}')).to.equal(false);
    expect(r('{{string n}}')).to.equal('5');
  });

  it('contains, startswith, endswith', () => {
    expect(r('{{contains list "c"}}')).to.equal(true);
    expect(r('{{contains s "World"}}')).to.equal(true);
    expect(r('{{contains obj "k"}}')).to.equal(true);
    expect(r('{{startswith s "Hell"}}')).to.equal(true);
    expect(r('{{endswith path ".crt"}}')).to.equal(true);
  });

  it('map plucks an attribute', () => {
    expect(r('{{map users "name"}}')).to.deep.equal(['u1', 'u2']);
    expect(() => r('{{map users "nope"}}')).to.throw(KplayError, /no attribute 'nope'/);
  });

  it('unique, sort, reverse, flatten, keys, values, dict2items, combine, dict', () => {
    expect(r('{{unique list}}')).to.deep.equal(['b', 'a', 'c']);
    expect(r('{{sort nums}}')).to.deep.equal([1, 2, 3]);
    expect(r('{{reverse nums}}')).to.deep.equal([2, 1, 3]);
    expect(r('{{flatten (list (list 1 (list 2)) 3)}}')).to.deep.equal([1, 2, 3]);
    expect(r('{{keys obj}}')).to.deep.equal(['k', 'n']);
    expect(r('{{values obj}}')).to.deep.equal(['v', 1]);
    expect(r('{{dict2items obj}}')).to.deep.equal([
      { key: 'k', value: 'v' },
      { key: 'n', value: 1 },
    ]);
    expect(r('{{combine obj (dict n=2 m=3)}}')).to.deep.equal({ k: 'v', n: 2, m: 3 });
  });

  it('add, sub, mul, div, mod', () => {
    expect(r('{{add n 1}}')).to.equal(6);
    expect(r('{{sub n 1}}')).to.equal(4);
    expect(r('{{mul n 2}}')).to.equal(10);
    expect(r('{{div n 2}}')).to.equal(2.5);
    expect(r('{{mod n 2}}')).to.equal(1);
  });

  it('defined and mandatory', () => {
    expect(r('{{defined missing}}')).to.equal(false);
    expect(r('{{defined s}}')).to.equal(true);
    expect(() => r('{{mandatory missing "set missing in group_vars"}}')).to.throw(KplayError, /set missing in group_vars/);
  });

  it('a helper type error is a KPLAY_TEMPLATE error', () => {
    try {
      r('{{upper obj}}');
      expect.fail('should throw');
    } catch (err) {
      expect((err as KplayError).code).to.equal('KPLAY_TEMPLATE');
      expect((err as KplayError).message).to.contain('upper needs a string');
    }
  });
});
