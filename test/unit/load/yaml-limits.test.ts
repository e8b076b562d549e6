import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_ALIAS_NODES, MAX_YAML_BYTES, parseYaml, readYamlFile } from '../../../engine/load/yaml.ts';

/** Nine levels of ten-fold aliases over a ten-item list: 10^10 strings once expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

describe('yaml limits', () => {
  it('stops an alias bomb at the alias that crosses the limit, located', () => {
    const { value, errors } = parseYaml(aliasBomb(), 'bomb.yml');
    expect(value).to.equal(undefined);
    expect(errors).to.have.length(1);
    expect(errors[0]!.code).to.equal('KPLAY_YAML');
    expect(errors[0]!.message).to.match(new RegExp(`aliases expand to more than ${MAX_ALIAS_NODES} nodes`));
    // a4 = 10^4 lists of ten: the 10th reference to a3 (1111 nodes each) in a5 crosses 100000
    expect(errors[0]!.loc).to.deep.include({ file: 'bomb.yml' });
    expect(errors[0]!.loc!.line).to.be.within(5, 7);
  });

  it('counts merge keys and aliases in nested anchors, and keeps ordinary use', () => {
    const ok = parseYaml('base: &b {x: 1, y: [1, 2]}\nm1: {<<: *b, z: 1}\nlist: [*b, *b, *b]\n', 'f.yml');
    expect(ok.errors).to.deep.equal([]);
    // 2000 references to a 100-node anchor = 200000 nodes: refused
    const items = Array.from({ length: 99 }, (_, i) => `k${i}: v`).join(', ');
    const big = `a: &a {${items}}\nrefs:\n${'  - *a\n'.repeat(2000)}`;
    expect(parseYaml(big, 'f.yml').errors[0]?.message).to.match(/aliases expand/);
    // 500 of them (50000 nodes) are fine
    const fine = `a: &a {${items}}\nrefs:\n${'  - *a\n'.repeat(500)}`;
    expect(parseYaml(fine, 'f.yml').errors).to.deep.equal([]);
  });

  it('refuses nesting deeper than 100 levels with a located error', () => {
    const flow = parseYaml(`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'd.yml');
    expect(flow.errors.map((e) => e.message)).to.deep.equal(['YAML nests deeper than 100 levels']);
    expect(flow.errors[0]!.loc).to.deep.include({ file: 'd.yml', line: 1 });
    let block = '';
    for (let i = 0; i < 150; i++) block += `${' '.repeat(i)}k:\n`;
    expect(parseYaml(block, 'd.yml').errors.map((e) => e.message)).to.deep.equal(['YAML nests deeper than 100 levels']);
    let ok = '';
    for (let i = 0; i < 90; i++) ok += `${' '.repeat(i)}k:\n`;
    expect(parseYaml(ok, 'd.yml').errors).to.deep.equal([]);
  });

  it('refuses a file over the size limit before reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-yaml-'));
    try {
      const file = join(dir, 'big.yml');
      writeFileSync(file, `a: "${'x'.repeat(MAX_YAML_BYTES)}"\n`);
      const { errors } = readYamlFile(file);
      expect(errors.map((e) => e.message)).to.deep.equal(['the file is 8.0 MiB; kplay reads YAML files up to 8.0 MiB']);
      expect(errors[0]!.loc).to.deep.equal({ file, line: 1, col: 1 });
      // the same through parseYaml (inventory sources read the text themselves)
      expect(parseYaml(`a: "${'é'.repeat(MAX_YAML_BYTES / 2)}"`, 'f.yml').errors[0]?.message).to.match(/kplay reads YAML files up to 8.0 MiB/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
