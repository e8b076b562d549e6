import { expect } from 'chai';
import { parseYaml } from '../../../engine/load/yaml.ts';
import { itemLoc, keyLoc, locAtPath, nodeLoc, valueLoc } from '../../../engine/load/yaml-positions.ts';

const at = (line: number, col: number) => ({ file: 'f.yml', line, col });

describe('yaml with positions', () => {
  it('locates keys, values, items and nested collections', () => {
    const src = 'a: 1\nlist:\n  - x\n  - "quoted"\nmap:\n  inner: {k: v}\n';
    const { value, errors } = parseYaml(src, 'f.yml');
    expect(errors).to.deep.equal([]);
    const v = value as { list: string[]; map: { inner: object } };
    expect(nodeLoc(v)).to.deep.equal(at(1, 1));
    expect(keyLoc(v, 'list')).to.deep.equal(at(2, 1));
    expect(valueLoc(v, 'a')).to.deep.equal(at(1, 4));
    expect(itemLoc(v.list, 1)).to.deep.equal(at(4, 5)); // the opening quote
    expect(nodeLoc(v.map.inner)).to.deep.equal(at(6, 10));
    expect(locAtPath(v, ['map', 'inner', 'k'])).to.deep.equal(at(6, 14));
    expect(locAtPath(v, ['map', 'inner', 'k'], 'key')).to.deep.equal(at(6, 11));
    // a path that goes past the data stops at the deepest known node
    expect(locAtPath(v, ['map', 'inner', 'k', 'deeper'])).to.deep.equal(at(6, 14));
  });

  it('reads YAML 1.1 booleans, anchors, aliases and merge keys', () => {
    const { value, errors } = parseYaml('base: &b {x: 1}\nflag: yes\nother:\n  <<: *b\n  y: 2\nref: *b\n', 'f.yml');
    expect(errors).to.deep.equal([]);
    expect(value).to.deep.equal({ base: { x: 1 }, flag: true, other: { x: 1, y: 2 }, ref: { x: 1 } });
    const v = value as { other: object };
    expect(keyLoc(v.other, 'y')).to.deep.equal(at(5, 3));
  });

  it('reads booleans like PyYAML: y and n stay strings', () => {
    expect(parseYaml('a: y\nb: N\nc: On\nd: NO\ne: 0755\n', 'f.yml').value).to.deep.equal({ a: 'y', b: 'N', c: true, d: false, e: 493 });
  });

  it('reports all duplicate keys with the line of the first', () => {
    const { errors } = parseYaml('a: 1\nb:\n  c: 1\n  c: 2\na: 3\n', 'f.yml');
    expect(errors.map((e) => [e.message, e.loc])).to.deep.equal([
      ["duplicate key 'c' (first defined on line 3)", at(4, 3)],
      ["duplicate key 'a' (first defined on line 1)", at(5, 1)],
    ]);
  });

  it('reports a tab in indentation with a hint', () => {
    const { errors } = parseYaml('a:\n\tb: 1\n', 'f.yml');
    expect(errors).to.have.length(1);
    expect(errors[0]!.code).to.equal('KPLAY_YAML');
    expect(errors[0]!.loc).to.deep.equal(at(2, 1));
    expect(errors[0]!.hint).to.match(/spaces/);
  });

  it('rejects a second document', () => {
    const { errors } = parseYaml('a: 1\n---\nb: 2\n', 'f.yml');
    expect(errors.map((e) => e.message)).to.deep.equal(['more than one YAML document in the file (--- separator); kplay reads one']);
  });

  it('treats an empty file as no value', () => {
    expect(parseYaml('', 'f.yml')).to.deep.equal({ value: undefined, errors: [] });
    expect(parseYaml('# only a comment\n', 'f.yml').value).to.equal(undefined);
  });
});
