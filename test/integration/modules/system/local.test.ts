import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { converge } from './converge.ts';
import { file } from '../../../../modules/system/file.ts';
import { copy } from '../../../../modules/system/copy.ts';
import { template } from '../../../../modules/system/template.ts';
import { lineinfile } from '../../../../modules/system/lineinfile.ts';
import { blockinfile } from '../../../../modules/system/blockinfile.ts';
import { command } from '../../../../modules/system/command.ts';
import { shell } from '../../../../modules/system/shell.ts';
import { packageModule } from '../../../../modules/system/package.ts';
import { service } from '../../../../modules/system/service.ts';

const t = new LocalTransport('localhost');

describe('system modules on localhost', () => {
  let d: string;
  beforeEach(() => (d = mkdtempSync(join(tmpdir(), 'kplay-sys-'))));
  afterEach(() => rmSync(d, { recursive: true, force: true }));

  it('file: directory, touch, link, hard, mode, absent', async () => {
    await converge(t, file, { path: `${d}/a/b`, state: 'directory', mode: '0750' }, [d]);
    expect(statSync(`${d}/a/b`).mode & 0o7777).to.equal(0o750);
    await converge(t, file, { path: `${d}/a/b/t`, state: 'touch', mode: 'u=rw' }, [d]);
    expect(statSync(`${d}/a/b/t`).mode & 0o7777).to.equal(0o644);
    await converge(t, file, { path: `${d}/a/b/t`, mode: '0600' }, [d]);
    const r = await converge(t, file, { path: `${d}/l`, state: 'link', src: 'a/b/t' }, [d]);
    expect(r.first.changes[0]!.diff).to.deep.include({ before: 'state: absent\n', after: 'state: link → a/b/t\n' });
    expect(readlinkSync(`${d}/l`)).to.equal('a/b/t');
    await converge(t, file, { path: `${d}/h`, state: 'hard', src: `${d}/a/b/t` }, [d]);
    expect(statSync(`${d}/h`).ino).to.equal(statSync(`${d}/a/b/t`).ino);
    await converge(t, file, { path: `${d}/a`, state: 'absent' }, [d]);
    expect(existsSync(`${d}/a`)).to.equal(false);
  });

  it('file: recurse fixes modes below a directory', async () => {
    mkdirSync(`${d}/r/s`, { recursive: true });
    writeFileSync(`${d}/r/s/f`, 'x', { mode: 0o600 });
    await converge(t, file, { path: `${d}/r`, state: 'directory', mode: '0755', recurse: true }, [d]);
    expect(statSync(`${d}/r/s/f`).mode & 0o777).to.equal(0o755);
  });

  it('copy: content, then a changed content with a diff, mode change only', async () => {
    const r = await converge(t, copy, { content: 'a\n', dest: `${d}/c.conf` }, [d]);
    expect(r.first.changes[0]!.diff).to.deep.equal({ path: `${d}/c.conf`, before: '', after: 'a\n' });
    expect(statSync(`${d}/c.conf`).mode & 0o777).to.equal(0o644);
    const r2 = await converge(t, copy, { content: 'b\n', dest: `${d}/c.conf`, mode: '0600', backup: true }, [d]);
    expect(r2.first.changes[0]!.diff).to.deep.equal({ path: `${d}/c.conf`, before: 'a\n', after: 'b\n' });
    expect(r2.first.changes[0]!.summary).to.contain('mode 0644 → 0600');
    expect(statSync(`${d}/c.conf`).mode & 0o777).to.equal(0o600);
    const backups = readdirSync(d).filter((f) => /^c\.conf\..+~$/.test(f));
    expect(backups, 'backup keeps the old file').to.have.length(1);
    expect(readFileSync(`${d}/${backups[0]}`, 'utf8')).to.equal('a\n');
    await converge(t, copy, { content: 'b\n', dest: `${d}/c.conf`, mode: '0640' }, [d]);
  });

  it('copy: a controller file into a directory, a directory recursively, remote_src, force false', async () => {
    const pb = mkdtempSync(join(tmpdir(), 'kplay-pb-'));
    try {
      mkdirSync(`${pb}/files/tree/sub`, { recursive: true });
      writeFileSync(`${pb}/files/one.txt`, 'one\n');
      writeFileSync(`${pb}/files/tree/x`, 'x\n');
      writeFileSync(`${pb}/files/tree/sub/y`, Buffer.from([0, 1, 2, 3]));
      mkdirSync(`${d}/dst`);
      await converge(t, copy, { src: 'one.txt', dest: `${d}/dst` }, [d], { playbookDir: pb });
      expect(readFileSync(`${d}/dst/one.txt`, 'utf8')).to.equal('one\n');
      const r = await converge(t, copy, { src: 'tree', dest: `${d}/dst/` }, [d], { playbookDir: pb });
      expect(r.first.changes.map((c) => c.summary)).to.deep.equal([
        `${d}/dst/tree: absent → directory`,
        `${d}/dst/tree/sub: absent → directory`,
        `${d}/dst/tree/sub/y: create (4 bytes, mode 0644) (binary or large: no diff)`,
        `${d}/dst/tree/x: create (2 bytes, mode 0644)`,
      ]);
      await converge(t, copy, { src: 'tree/', dest: `${d}/flat/` }, [d], { playbookDir: pb });
      expect(readFileSync(`${d}/flat/sub/y`)).to.deep.equal(Buffer.from([0, 1, 2, 3]));
      await converge(t, copy, { src: `${d}/dst/one.txt`, remote_src: true, dest: `${d}/remote.txt`, mode: '0600' }, [d]);
      expect(readFileSync(`${d}/remote.txt`, 'utf8')).to.equal('one\n');
      const keep = await runModuleOn(t, copy, { content: 'other', dest: `${d}/remote.txt`, force: false });
      expect(keep.changed).to.equal(false);
    } finally {
      rmSync(pb, { recursive: true, force: true });
    }
  });

  it('copy: validate failure keeps the old file', async () => {
    writeFileSync(`${d}/v`, 'old\n');
    const r = await runModuleOn(t, copy, { content: 'new\n', dest: `${d}/v`, validate: 'grep -q good %s' });
    expect(r.failed).to.equal(true);
    expect(readFileSync(`${d}/v`, 'utf8')).to.equal('old\n');
    await converge(t, copy, { content: 'good\n', dest: `${d}/v`, validate: 'grep -q good %s' }, [d]);
  });

  it('check mode: a chain of tasks on a fresh tree is planned from the ledger', async () => {
    const ledger = new HostLedger();
    const o = { check: true, ledger };
    const steps = [
      await runModuleOn(t, file, { path: `${d}/etc/app`, state: 'directory' }, o),
      await runModuleOn(t, copy, { content: 'k=v\n', dest: `${d}/etc/app/app.conf` }, o),
      await runModuleOn(t, lineinfile, { path: `${d}/etc/app/app.conf`, line: 'x=y' }, o),
      await runModuleOn(t, file, { path: `${d}/app.conf`, state: 'link', src: `${d}/etc/app/app.conf` }, o),
      await runModuleOn(t, file, { path: `${d}/etc/app/app.conf`, mode: '0600' }, o),
    ];
    steps.push(await runModuleOn(t, copy, { src: `${d}/etc/app/app.conf`, remote_src: true, dest: `${d}/etc/app/copy.conf` }, o));
    const guarded = await runModuleOn(t, command, { argv: ['touch', `${d}/etc/app/app.conf`], creates: `${d}/etc/app/app.conf` }, o);
    expect(guarded.skipped, 'creates= a path an earlier task writes: skipped like the real run').to.equal(true);
    expect(steps.map((s) => s.failed), JSON.stringify(steps.map((s) => s.msg))).to.deep.equal([false, false, false, false, false, false]);
    expect(steps.map((s) => s.changed)).to.deep.equal([true, true, true, true, true, true]);
    expect(steps[5]!.changes[0]!.after).to.equal('lineinfile test');
    expect(steps[5]!.changes[0]!.diff).to.deep.include({ after: 'k=v\nx=y\n' });
    expect(steps[1]!.changes[0]!.after).to.equal('file test');
    expect(steps[3]!.changes[0]!.after).to.equal('lineinfile test');
    expect(steps[2]!.changes[0]!.diff).to.deep.include({ before: 'k=v\n', after: 'k=v\nx=y\n' });
    expect(existsSync(`${d}/etc`)).to.equal(false);
  });

  it('template: renders and converges', async () => {
    const pb = mkdtempSync(join(tmpdir(), 'kplay-pb-'));
    try {
      mkdirSync(`${pb}/templates`);
      writeFileSync(`${pb}/templates/unit.conf.hbs`, 'name={{name}}\n');
      const r = await converge(t, template, { src: 'unit.conf.hbs', dest: `${d}/` }, [d], { playbookDir: pb, vars: { name: 'etcd' } });
      expect(readFileSync(`${d}/unit.conf`, 'utf8')).to.equal('name=etcd\n');
      expect(r.first.changes[0]!.diff).to.deep.include({ after: 'name=etcd\n' });
    } finally {
      rmSync(pb, { recursive: true, force: true });
    }
  });

  it('lineinfile and blockinfile converge', async () => {
    writeFileSync(`${d}/hosts`, '127.0.0.1 localhost\n');
    const r = await converge(t, lineinfile, { path: `${d}/hosts`, regexp: '\\sh1$', line: '198.18.0.11 h1' }, [d]);
    expect(r.first.changes[0]!.diff).to.deep.equal({ path: `${d}/hosts`, before: '127.0.0.1 localhost\n', after: '127.0.0.1 localhost\n198.18.0.11 h1\n' });
    await converge(t, lineinfile, { path: `${d}/hosts`, regexp: '\\sh1$', line: '198.18.0.12 h1' }, [d]);
    await converge(t, lineinfile, { path: `${d}/new`, line: 'x', create: true, mode: '0600' }, [d]);
    expect(statSync(`${d}/new`).mode & 0o777).to.equal(0o600);
    await converge(t, blockinfile, { path: `${d}/hosts`, block: 'a\nb\n', insertbefore: 'BOF' }, [d]);
    await converge(t, blockinfile, { path: `${d}/hosts`, block: 'a\nc\n' }, [d]);
    expect(readFileSync(`${d}/hosts`, 'utf8')).to.equal('# BEGIN ANSIBLE MANAGED BLOCK\na\nc\n# END ANSIBLE MANAGED BLOCK\n127.0.0.1 localhost\n198.18.0.12 h1\n');
    await converge(t, blockinfile, { path: `${d}/hosts`, state: 'absent' }, [d]);
    await converge(t, lineinfile, { path: `${d}/hosts`, regexp: 'h1', state: 'absent' }, [d]);
    expect(readFileSync(`${d}/hosts`, 'utf8')).to.equal('127.0.0.1 localhost\n');
  });

  it('command and shell: results registered, non-zero fails with rc, creates/removes', async () => {
    const r = await runModuleOn(t, command, { cmd: `printf '%s\\n' 'a b' "$HOME"`, chdir: d });
    expect(r.changed).to.equal(true);
    expect(r.result).to.deep.include({ rc: 0, stdout: 'a b\n$HOME', stdout_lines: ['a b', '$HOME'] });
    const f = await runModuleOn(t, shell, { cmd: 'echo out; echo err >&2; exit 3' });
    expect(f.failed).to.equal(true);
    expect(f.result).to.deep.include({ rc: 3, stdout: 'out', stderr: 'err' });
    const chk = await runModuleOn(t, shell, { cmd: 'touch x' }, { check: true });
    expect(chk.skipped).to.equal(true);
    await converge(t, shell, { cmd: 'cat > made', chdir: d, creates: 'made', stdin: 'hi' }, [d]);
    expect(readFileSync(`${d}/made`, 'utf8')).to.equal('hi\n');
    await converge(t, command, { argv: ['rm', `${d}/made`], removes: `${d}/made` }, [d]);
    const bash = await runModuleOn(t, shell, { cmd: 'echo ${BASH_VERSION:+bash}', executable: '/bin/bash' });
    expect(bash.result.stdout).to.equal('bash');
  });

  it('hostile names and values pass through file/copy/lineinfile with nothing executed', async () => {
    const evil = `sp ace'q"d$(touch PWNED)\`touch PWNED2\`*?[a]\nnl;|&>x`;
    const dir = `${d}/${evil}`;
    await converge(t, file, { path: dir, state: 'directory', mode: '0700' }, [d]);
    await converge(t, copy, { content: `${evil}\n`, dest: `${dir}/${evil}.conf` }, [d]);
    expect(readFileSync(`${dir}/${evil}.conf`, 'utf8')).to.equal(`${evil}\n`);
    await converge(t, lineinfile, { path: `${dir}/${evil}.conf`, line: `$(touch PWNED3) ${evil.replace('\n', ' ')}` }, [d]);
    await converge(t, file, { path: `${d}/link ${evil}`, state: 'link', src: `${dir}/${evil}.conf` }, [d]);
    await converge(t, file, { path: `${dir}/${evil}.conf`, mode: '0600', state: 'file' }, [d]);
    await converge(t, command, { argv: ['touch', `${dir}/made`], chdir: d, creates: `${evil}/made` }, [d]);
    for (const p of ['PWNED', 'PWNED2', 'PWNED3']) for (const where of [d, dir, process.cwd()]) expect(existsSync(`${where}/${p}`), `${where}/${p}`).to.equal(false);
  });

  it('measured: each module reads the host in one round trip ', async () => {
    let calls = 0;
    const counting = Object.assign(Object.create(t) as LocalTransport, { exec: (...a: Parameters<LocalTransport['exec']>) => (calls++, t.exec(...a)) });
    writeFileSync(`${d}/f`, 'a\n');
    const pb = mkdtempSync(join(tmpdir(), 'kplay-pb-'));
    mkdirSync(`${pb}/templates`);
    writeFileSync(`${pb}/templates/t.hbs`, 'x\n');
    const cases: [string, () => Promise<unknown>][] = [
      ['file', () => runModuleOn(counting, file, { path: `${d}/f`, mode: '0600' }, { check: true })],
      ['file link', () => runModuleOn(counting, file, { path: `${d}/l`, state: 'link', src: `${d}/f` }, { check: true })],
      ['copy', () => runModuleOn(counting, copy, { content: 'x', dest: `${d}/f` }, { check: true })],
      ['copy src', () => runModuleOn(counting, copy, { src: 't.hbs', dest: `${d}/f` }, { check: true, playbookDir: `${pb}/templates` })],
      ['template', () => runModuleOn(counting, template, { src: 't.hbs', dest: `${d}/f` }, { check: true, playbookDir: pb })],
      ['lineinfile', () => runModuleOn(counting, lineinfile, { path: `${d}/f`, line: 'b' }, { check: true })],
      ['blockinfile', () => runModuleOn(counting, blockinfile, { path: `${d}/f`, block: 'b' }, { check: true })],
      ['command creates', () => runModuleOn(counting, command, { cmd: 'true', creates: `${d}/f` }, { check: true })],
      ['package (manager probed)', () => runModuleOn(counting, packageModule, { name: ['coreutils', 'no-such-package-kplay'] }, { check: true })],
      ['service (manager probed)', () => runModuleOn(counting, service, { name: 'ssh' }, { check: true })],
    ];
    const measured: Record<string, number> = {};
    for (const [name, run] of cases) {
      calls = 0;
      await run();
      measured[name] = calls;
    }
    rmSync(pb, { recursive: true, force: true });
    expect(measured).to.deep.equal({ file: 1, 'file link': 1, copy: 1, 'copy src': 1, template: 1, lineinfile: 1, blockinfile: 1, 'command creates': 1, 'package (manager probed)': 1, 'service (manager probed)': 1 });
  });
});
