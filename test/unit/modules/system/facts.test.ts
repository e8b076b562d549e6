import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchScript, needsSubshell, splitBatch, runProbes } from '../../../../modules/facts/batch.ts';
import { defineProbe, type HostQuery } from '../../../../modules/facts/read-only.ts';
import { queryOn } from '../../../../engine/executor/module-context.ts';
import { parseStat, parseStatEach, stat, statEach } from '../../../../modules/facts/stat.ts';
import { parseChecksum } from '../../../../modules/facts/checksum.ts';
import { fileContent, parseContent, parseStatAndContent, statAndContent } from '../../../../modules/facts/content.ts';
import { parseUnit, unitName } from '../../../../modules/facts/systemctl.ts';
import { normalizeSysctl, parseSysctl, sysctlPath } from '../../../../modules/facts/sysctl.ts';
import { parseGroup, parsePasswd } from '../../../../modules/facts/accounts.ts';
import { parseDpkg, parseRpm } from '../../../../modules/facts/packages.ts';
import { LocalTransport } from '../../../../engine/transport/local.ts';

describe('facts: batched probes', () => {
  it('splits a batch into sections with their exit codes, even when output mimics markers', () => {
    const out = 'KPLAY-n-BEGIN-0\nhello\nKPLAY-x-END-0 0\n\nKPLAY-n-END-0 0\nKPLAY-n-BEGIN-1\n\nKPLAY-n-END-1 3\n';
    expect(splitBatch(out, 2, 'n')).to.deep.equal([
      { rc: 0, out: 'hello\nKPLAY-x-END-0 0\n' },
      { rc: 3, out: '' },
    ]);
  });
  it('throws when a section is missing', () => {
    expect(() => splitBatch('KPLAY-n-BEGIN-0\nx', 1, 'n')).to.throw(/end marker/);
  });
  it('runs probes in one sh script on the host', async () => {
    const t = new LocalTransport('localhost');
    let calls = 0;
    const run = queryOn(t);
    const ctx = { query: (q: HostQuery) => (calls++, run(q)) };
    const r = await runProbes(ctx, {
      a: defineProbe({ script: 'printf "x\\ny"', parse: (o) => o }),
      b: defineProbe({ script: 'echo hi; exit 4', parse: (o) => o }),
      root: stat('/'),
    });
    expect(calls).to.equal(1);
    expect(r.a).to.deep.equal({ rc: 0, out: 'x\ny' });
    expect(r.b).to.deep.equal({ rc: 4, out: 'hi\n' });
    expect(r.root).to.include({ exists: true, type: 'directory' });
    expect(batchScript(['true'], 'n')).to.contain("'KPLAY-n-BEGIN-0'");
  });
  it('runs the batch in the C locale, whatever the login environment says (parsers read untranslated output)', async () => {
    const t = new LocalTransport('localhost');
    const r = await runProbes(
      { query: (q: HostQuery) => t.exec(q.cmd, { env: { LC_ALL: 'de_DE.UTF-8', LANG: 'de_DE.UTF-8' } }) },
      { locale: defineProbe({ script: 'printf %s "$LC_ALL"', parse: (o) => o.out }) },
    );
    expect(r.locale).to.equal('C');
  });
  it('isolates what must be isolated without a subshell per probe', async () => {
    const ctx = { query: queryOn(new LocalTransport('localhost')) };
    const probe = (script: string, subshell?: boolean) => defineProbe({ script, parse: (o: { rc: number; out: string }) => o, ...(subshell ? { subshell } : {}) });
    const r = await runProbes(ctx, {
      exits: probe('echo a; exit 5; echo b'),
      returns: probe('if true; then echo r; return 6; fi; echo no'),
      moves: probe('cd /tmp && pwd'),
      where: probe('pwd'),
      stdin: probe('cat; echo "[$?]"'),
      stderr: probe('echo err >&2; ls /nonexistent-kplay; echo out'),
      flagged: probe('x=1; echo $x', true),
      leaked: probe('echo "[${x-unset}]"'),
      empty: probe(''),
      last: probe('false'),
    });
    expect(r.exits).to.deep.equal({ rc: 5, out: 'a\n' });
    expect(r.returns).to.deep.equal({ rc: 6, out: 'r\n' });
    expect(r.moves.out).to.equal('/tmp\n');
    expect(r.where.out).to.not.equal('/tmp\n');
    expect(r.stdin).to.deep.equal({ rc: 0, out: '[0]\n' });
    expect(r.stderr).to.deep.equal({ rc: 0, out: 'out\n' });
    expect(r.leaked.out).to.equal('[unset]\n');
    expect(r.empty.rc).to.equal(0);
    expect(r.last.rc).to.equal(1);
  });
  it('a subshell only for probes that could change or leave the shell', () => {
    for (const s of ['exit 2', 'cd /x', 'set -e', 'trap "" EXIT', 'umask 077', 'export A', 'PATH=/x', 'LC_ALL=C x; y', '. /etc/profile', 'eval "$x"', 'echo ${x:?}', 'exec 3>&1']) {
      expect(needsSubshell(s), s).to.equal(true);
    }
    for (const s of ["stat -c '%F|%a' -- /etc/settings", 'for c in a b; do echo "$c"; done', 'if [ -f /x ]; then return 3; fi', 'systemctl is-enabled -- x', 's=$(wc -c < /x) || return 2']) {
      expect(needsSubshell(s), s).to.equal(false);
    }
    expect(batchScript(['stat /'], 'n')).to.match(/^kplay_probe <\/dev\/null/m);
    expect(batchScript(['exit 1'], 'n')).to.match(/^\( kplay_probe \) <\/dev\/null/m);
    expect(batchScript([{ script: 'true', subshell: true }], 'n')).to.match(/^\( kplay_probe \)/m);
  });
});

describe('facts: combined probes read what the single ones read', () => {
  let d: string;
  before(() => {
    d = mkdtempSync(join(tmpdir(), 'kplay-probes-'));
    mkdirSync(join(d, 'dir'));
    writeFileSync(join(d, 'small'), 'a\0b\n');
    writeFileSync(join(d, 'big'), 'x'.repeat(100));
    writeFileSync(join(d, 'empty'), '');
    writeFileSync(join(d, "odd name\n'|x"), 'odd\n');
    symlinkSync(join(d, 'small'), join(d, 'link'));
    symlinkSync(join(d, 'gone'), join(d, 'dangling'));
  });
  after(() => rmSync(d, { recursive: true, force: true }));

  it('statEach is stat(path, true) of each path, and statAndContent is stat plus fileContent', async () => {
    const t = { query: queryOn(new LocalTransport('localhost')) };
    const paths = ['dir', 'small', 'big', 'empty', "odd name\n'|x", 'link', 'dangling', 'missing', 'dir/missing'].map((p) => join(d, p));
    const single = await runProbes(t, Object.fromEntries(paths.map((p, i) => [`s${i}`, stat(p, true)])));
    const each = await runProbes(t, { all: statEach(paths), none: statEach([join(d, 'missing')]) });
    expect(each.all).to.deep.equal(paths.map((_, i) => single[`s${i}`]));
    expect(each.none).to.deep.equal([{ exists: false }]);
    for (const p of paths) {
      const r = await runProbes(t, { both: statAndContent(p, 50), st: stat(p, true), c: fileContent(p, 50) });
      expect(r.both, p).to.deep.equal({ st: r.st, content: r.c });
    }
  });
});

describe('facts: parsers', () => {
  it('stat: file, link with odd target, absent', () => {
    expect(parseStat({ rc: 0, out: 'regular empty file|644|root|adm|0|4|0|2049:12\n' })).to.deep.equal({
      exists: true, type: 'file', mode: '0644', owner: 'root', group: 'adm', uid: 0, gid: 4, size: 0, inode: '2049:12',
    });
    const l = parseStat({ rc: 0, out: 'symbolic link|777|root|root|0|0|9|1:2\n/a b\nc\n' });
    expect(l).to.include({ type: 'link', target: '/a b\nc', mode: '0777' });
    expect(parseStat({ rc: 0, out: 'absent\n' })).to.deep.equal({ exists: false });
    expect(parseStat({ rc: 0, out: 'directory|1777|root|root|0|0|4096|1:3\n' })).to.include({ type: 'directory', mode: '1777' });
    expect(() => parseStat({ rc: 2, out: '' })).to.throw();
  });
  it('stat of several paths: the flags line says whose each line is', () => {
    const d = 'directory|755|root|root|0|0|4096|1:2';
    const f = 'regular file|600|a|b|1|2|5|1:3';
    const r = parseStatEach({ rc: 0, out: `101\n${d}\n${f}\n` }, 3);
    expect(r[0]).to.include({ type: 'directory', mode: '0755' });
    expect(r[1]).to.deep.equal({ exists: false });
    expect(r[2]).to.include({ type: 'file', owner: 'a', size: 5 });
    expect(parseStatEach({ rc: 0, out: '00\n' }, 2)).to.deep.equal([{ exists: false }, { exists: false }]);
    // stat failed, or a path came or went between `[ -e ]` and stat
    expect(() => parseStatEach({ rc: 0, out: `11\n${d}\n` }, 2)).to.throw(/stat failed/);
    expect(() => parseStatEach({ rc: 0, out: `01\n${d}\n${f}\n` }, 2)).to.throw(/stat failed/);
    expect(() => parseStatEach({ rc: 0, out: `1\n${d}\n` }, 2)).to.throw(/stat failed/);
  });
  it('stat and content in one probe', () => {
    expect(parseStatAndContent({ rc: 0, out: 'absent\n' })).to.deep.equal({ st: { exists: false }, content: { exists: false } });
    expect(parseStatAndContent({ rc: 0, out: 'directory|755|root|root|0|0|4096|1:2\nabsent\n' })).to.deep.include({ content: { exists: false } });
    expect(parseStatAndContent({ rc: 0, out: 'regular file|644|root|root|0|0|99|1:2\nbig 99\n' }).content).to.deep.equal({ exists: true, tooBig: 99 });
    const r = parseStatAndContent({ rc: 0, out: `regular file|644|root|root|0|0|2|1:2\nb64\n${Buffer.from('a\n').toString('base64')}\n` });
    expect(r.st).to.include({ type: 'file', size: 2 });
    expect(r.content).to.deep.equal({ exists: true, content: Buffer.from('a\n') });
    expect(() => parseStatAndContent({ rc: 2, out: '' })).to.throw();
  });
  it('checksum and content', () => {
    const h = 'a'.repeat(64);
    expect(parseChecksum({ rc: 0, out: `${h}  -\n` })).to.equal(h);
    expect(parseChecksum({ rc: 0, out: '' })).to.equal(undefined);
    expect(parseContent({ rc: 0, out: 'absent\n' })).to.deep.equal({ exists: false });
    expect(parseContent({ rc: 0, out: 'big 99\n' })).to.deep.equal({ exists: true, tooBig: 99 });
    const c = parseContent({ rc: 0, out: `b64\n${Buffer.from('a\0b').toString('base64')}\n` });
    expect(c.exists && 'content' in c && c.content.equals(Buffer.from('a\0b'))).to.equal(true);
  });
  it('systemctl show', () => {
    const u = parseUnit({ rc: 0, out: 'Id=etcd.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nFragmentPath=/etc/systemd/system/etcd.service\nNeedDaemonReload=no\n' });
    expect(u).to.deep.equal({ load: 'loaded', active: 'active', sub: 'running', unitFile: 'enabled', fragmentPath: '/etc/systemd/system/etcd.service', needDaemonReload: false, available: true });
    expect(parseUnit({ rc: 127, out: '' }).available).to.equal(false);
    expect(parseUnit({ rc: 0, out: 'LoadState=not-found\nActiveState=inactive\nUnitFileState=\n' })).to.include({ load: 'not-found', unitFile: '' });
    expect(unitName('etcd')).to.equal('etcd.service');
    expect(unitName('docker.socket')).to.equal('docker.socket');
  });
  it('sysctl', () => {
    expect(sysctlPath('net.ipv4.ip_forward')).to.equal('/proc/sys/net/ipv4/ip_forward');
    expect(sysctlPath('net.ipv4.conf.eth0/10.forwarding')).to.equal('/proc/sys/net/ipv4/conf/eth0.10/forwarding');
    expect(parseSysctl({ rc: 0, out: '32768\t60999\n' })).to.equal('32768 60999');
    expect(parseSysctl({ rc: 3, out: '' })).to.equal(undefined);
    expect(normalizeSysctl(true)).to.equal('1');
    expect(normalizeSysctl(' 1 ')).to.equal('1');
  });
  it('passwd, group', () => {
    expect(parsePasswd({ rc: 0, out: 'etcd:x:998:997:etcd user:/var/lib/etcd:/usr/sbin/nologin\n' })).to.deep.equal({ name: 'etcd', uid: 998, gid: 997, gecos: 'etcd user', home: '/var/lib/etcd', shell: '/usr/sbin/nologin' });
    expect(parsePasswd({ rc: 2, out: '' })).to.equal(undefined);
    expect(parseGroup({ rc: 0, out: 'docker:x:999:a,b\n' })).to.deep.equal({ name: 'docker', gid: 999, members: ['a', 'b'] });
    expect(parseGroup({ rc: 0, out: 'docker:x:999:\n' })?.members).to.deep.equal([]);
  });
  it('dpkg-query and rpm', () => {
    expect(parseDpkg({ rc: 1, out: 'curl\tii \t7.88.1-10\nvim\trc \t2:9.0\nlibc6:amd64\tii \t2.36\n' })).to.deep.equal({ curl: '7.88.1-10', libc6: '2.36' });
    expect(parseRpm({ rc: 1, out: 'curl\t8.2.1-3.fc39\npackage vim is not installed\n' })).to.deep.equal({ curl: '8.2.1-3.fc39' });
  });
});
