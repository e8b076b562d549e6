import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { template } from '../../../../modules/system/template.ts';
import { copy } from '../../../../modules/system/copy.ts';

/** A local transport that keeps every script it runs. */
function recording(): { t: LocalTransport; scripts: string[] } {
  const t = new LocalTransport('localhost');
  const scripts: string[] = [];
  const exec = t.exec.bind(t);
  t.exec = ((cmd: Parameters<LocalTransport['exec']>[0], o?: Parameters<LocalTransport['exec']>[1]) => {
    scripts.push(Array.isArray(cmd) ? cmd.join(' ') : String(cmd));
    return exec(cmd, o);
  }) as LocalTransport['exec'];
  return { t, scripts };
}

const count = (s: string, word: string) => s.split(word).length - 1;

describe('copy/template: dest as a file or a directory, read in one pass', () => {
  let d: string;
  let pb: string;
  beforeEach(() => {
    d = mkdtempSync(join(tmpdir(), 'kplay-put-read-'));
    pb = join(d, 'pb');
    mkdirSync(join(pb, 'templates'), { recursive: true });
    mkdirSync(join(pb, 'files'), { recursive: true });
    writeFileSync(join(pb, 'templates', 'app.conf.hbs'), 'port={{port}}\n');
    writeFileSync(join(pb, 'files', 'one.txt'), 'one\n');
  });
  afterEach(() => rmSync(d, { recursive: true, force: true }));

  it('hashes and stats only the layout that applies', async () => {
    // wrappers on the PATH log each run of stat and sha256sum
    const bin = join(d, 'bin');
    const log = join(d, 'runs.log');
    mkdirSync(bin);
    for (const c of ['stat', 'sha256sum']) {
      writeFileSync(join(bin, c), `#!/bin/sh\necho ${c} >> '${log}'\nexec /usr/bin/${c} "$@"\n`, { mode: 0o755 });
    }
    const { t, scripts } = recording();
    writeFileSync(join(d, 'app.conf'), 'port=1\n');
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const r = await runModuleOn(t, template, { src: 'app.conf.hbs', dest: join(d, 'app.conf') }, { vars: { port: 1 }, playbookDir: pb, diff: false });
      expect(r.changed).to.equal(false);
    } finally {
      process.env.PATH = path;
    }
    expect(scripts).to.have.length(1);
    expect(count(scripts[0]!, 'KPLAY-') / 2).to.equal(2);
    const runs = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(runs.filter((c) => c === 'sha256sum')).to.have.length(1);
    // dest and its parent: one run of stat for both
    expect(runs.filter((c) => c === 'stat')).to.have.length(1);
  });

  it('an existing directory (or a link to one) takes the file inside it', async () => {
    mkdirSync(join(d, 'etc'));
    symlinkSync(join(d, 'etc'), join(d, 'etc-link'));
    writeFileSync(join(d, 'etc', 'app.conf'), 'port=2\n');
    const { t } = recording();
    const same = await runModuleOn(t, template, { src: 'app.conf.hbs', dest: join(d, 'etc-link') }, { vars: { port: 2 }, playbookDir: pb });
    expect(same.changed).to.equal(false);
    const other = await runModuleOn(t, copy, { src: 'one.txt', dest: join(d, 'etc') }, { playbookDir: pb, check: true });
    expect(other.changed).to.equal(true);
    expect(other.changes[0]!.summary).to.contain(join(d, 'etc', 'one.txt'));
  });

  it('check mode: a dest that an earlier task makes a directory takes the file inside it', async () => {
    const ledger = new HostLedger();
    ledger.record({ kind: 'path', path: join(d, 'new'), state: 'directory' }, 'mkdir task');
    const { t } = recording();
    const r = await runModuleOn(t, copy, { src: 'one.txt', dest: join(d, 'new') }, { playbookDir: pb, check: true, ledger });
    expect(r.changes[0]!.summary).to.contain(join(d, 'new', 'one.txt'));
    const plain = await runModuleOn(t, copy, { src: 'one.txt', dest: join(d, 'plain') }, { playbookDir: pb, check: true });
    expect(plain.changes[0]!.summary).to.contain(join(d, 'plain'));
    expect(plain.changes[0]!.summary).to.not.contain('one.txt');
  });
});
