import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findImage, importedNames, normalizeRef, planContainerdImage, verifyImport, type ContainerdImageState } from '../../../../modules/cluster/containerd_image/plan.ts';
import { containerdImage } from '../../../../modules/cluster/containerd_image/containerd_image.ts';
import type { Vars } from '../../../../modules/api.ts';
import { createModuleContext } from '../../../../engine/executor/module-context.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModule } from '../../../../engine/executor/run-module.ts';
import { LocalTransport } from '../../../../engine/transport/local.ts';

const PAUSE = 'registry.k8s.io/pause:3.10.1';
const a = { name: PAUSE, archive: '/srv/images/pause.tar', ctr: '/usr/local/bin/ctr', address: 'unix:///run/containerd/containerd.sock' };
const base = ['/usr/local/bin/ctr', '--address', '/run/containerd/containerd.sock', '-n', 'k8s.io'];
const up = (images: string[], extra: Partial<ContainerdImageState> = {}): ContainerdImageState => ({ ctr: { exists: true }, list: { images }, archive: { exists: true }, ...extra });
const cmds = (p: { changes: { ops: unknown[] }[] }) => p.changes.flatMap((c) => c.ops.map((o) => (o as { cmd: string[] }).cmd));

describe('containerd_image module (pure parts)', () => {
  it('normalizes references as containerd stores them', () => {
    expect(normalizeRef('busybox')).to.equal('docker.io/library/busybox:latest');
    expect(normalizeRef('library/busybox:1.36')).to.equal('docker.io/library/busybox:1.36');
    expect(normalizeRef('docker.io/busybox')).to.equal('docker.io/library/busybox:latest');
    expect(normalizeRef('flannel/flannel:v0.26.7')).to.equal('docker.io/flannel/flannel:v0.26.7');
    expect(normalizeRef(PAUSE)).to.equal(PAUSE);
    expect(normalizeRef('localhost/kplay/pause:lab')).to.equal('localhost/kplay/pause:lab');
    expect(normalizeRef('localhost:5000/x')).to.equal('localhost:5000/x:latest');
    expect(normalizeRef(`quay.io/a/b@sha256:${'0'.repeat(64)}`)).to.equal(`quay.io/a/b@sha256:${'0'.repeat(64)}`);
  });

  it('finds a listed image by its full or short name, spelled as listed', () => {
    const listed = ['docker.io/library/busybox:latest', `sha256:${'1'.repeat(64)}`, PAUSE];
    expect(findImage(listed, 'busybox')).to.equal('docker.io/library/busybox:latest');
    expect(findImage(listed, PAUSE)).to.equal(PAUSE);
    expect(findImage(listed, 'registry.k8s.io/pause:3.10')).to.equal(undefined);
  });

  it('reads the names ctr 1.x and 2.x say they imported', () => {
    expect(importedNames(`unpacking localhost/kplay/pause:lab (sha256:${'a'.repeat(64)})...done\n`)).to.deep.equal(['localhost/kplay/pause:lab']);
    expect(importedNames('docker.io/library/busybox:latest      saved\napplication/vnd.oci.image.manifest.v1+json sha256:ab   done\nImporting elapsed: 0.1 s\n')).to.deep.equal(['docker.io/library/busybox:latest']);
  });

  it('present: nothing when listed; else import, then list again', () => {
    expect(planContainerdImage(up([PAUSE]), a, false).changes).to.deep.equal([]);
    const p = planContainerdImage(up(['docker.io/library/busybox:latest']), a, false);
    expect(p.changes).to.have.length(1);
    expect(p.changes[0]!.summary).to.equal(`image ${PAUSE}: absent → present (import /srv/images/pause.tar)`);
    expect(p.changes[0]!.diff).to.deep.equal({ path: `containerd k8s.io: ${PAUSE}`, before: 'absent', after: 'present' });
    expect(p.changes[0]!.after).to.equal(undefined);
    expect(cmds(p)).to.deep.equal([
      [...base, 'images', 'import', '/srv/images/pause.tar'],
      [...base, 'images', 'ls', '-q'],
    ]);
    expect(planContainerdImage(up([]), a, true)).to.deep.equal(p);
  });

  it('a missing ctr or archive fails when an import is needed, in check mode as in the real run', () => {
    for (const check of [true, false]) {
      expect(planContainerdImage(up([], { archive: { exists: false } }), a, check).failed).to.equal(`cannot import ${PAUSE}: the archive /srv/images/pause.tar is not on the host`);
      expect(planContainerdImage({ ctr: { exists: false }, list: { unreachable: 'sh: 1: ctr: not found' }, archive: { exists: true } }, a, check).failed).to.equal(`cannot import ${PAUSE}: /usr/local/bin/ctr is not on the host (is containerd installed?)`);
    }
    // an image already there needs no archive
    expect(planContainerdImage(up([PAUSE], { archive: { exists: false } }), a, false)).to.deep.include({ changes: [] });
  });

  it('check mode on a fresh host: ctr or the archive from an earlier task, or containerd not running yet, predicts the import', () => {
    const fresh: ContainerdImageState = { ctr: { exists: true, plannedBy: 'download : containerd' }, list: { unreachable: 'sh: 1: /usr/local/bin/ctr: not found' }, archive: { exists: true } };
    const p = planContainerdImage(fresh, a, true);
    expect(p.failed).to.equal(undefined);
    expect(p.changes[0]!.after).to.equal('download : containerd');
    expect(p.changes[0]!.summary).to.equal(`image ${PAUSE}: absent → present (import /srv/images/pause.tar)`);
    const stopped = planContainerdImage({ ...fresh, ctr: { exists: true } }, a, true);
    expect(stopped.changes[0]!.summary).to.match(/containerd cannot be asked yet \(sh: 1: .*not found\), so the image counts as absent$/);
    const copied = planContainerdImage(up([], { archive: { exists: true, plannedBy: 'copy images' } }), a, true);
    expect(copied.changes[0]!.after).to.equal('copy images');
    // the real run cannot guess
    expect(planContainerdImage(fresh, a, false).failed).to.equal("cannot list containerd's images: sh: 1: /usr/local/bin/ctr: not found");
  });

  it('absent: ctr images rm of the listed spelling; nothing when not listed or without ctr', () => {
    const rm = { name: 'busybox', state: 'absent' as const, ctr: '/usr/local/bin/ctr', address: '/run/containerd/containerd.sock' };
    const p = planContainerdImage(up(['docker.io/library/busybox:latest']), rm, false);
    expect(cmds(p)).to.deep.equal([[...base, 'images', 'rm', 'docker.io/library/busybox:latest']]);
    expect(p.changes[0]!.summary).to.equal('image busybox: present → absent (ctr images rm)');
    expect(planContainerdImage(up([PAUSE]), rm, false).changes).to.deep.equal([]);
    expect(planContainerdImage({ ctr: { exists: false }, list: { unreachable: 'not found' } }, rm, false)).to.deep.include({ changes: [] });
    expect(planContainerdImage({ ctr: { exists: true }, list: { unreachable: 'no socket' } }, rm, false).failed).to.equal("cannot list containerd's images: no socket");
    expect(planContainerdImage({ ctr: { exists: true }, list: { unreachable: 'no socket' } }, rm, true).failed).to.equal(undefined);
  });

  it('after the import: fails when the archive did not hold the name, and says what it held', () => {
    const out = `unpacking registry.k8s.io/pause:3.9 (sha256:${'a'.repeat(64)})...done\n`;
    expect(verifyImport(out, `${PAUSE}\n`, a)).to.deep.equal({ imported: ['registry.k8s.io/pause:3.9'] });
    const bad = verifyImport(out, 'registry.k8s.io/pause:3.9\n', a);
    expect(bad.failed).to.equal(true);
    expect(bad.msg).to.equal(`imported /srv/images/pause.tar, but ${PAUSE} is not in containerd's k8s.io namespace: it holds registry.k8s.io/pause:3.9`);
  });
});

/**
 * read → plan → apply on localhost with a stand-in ctr (a shell script keeping its "store" in a
 * file; an archive is a list of names) behind a real unix socket: the probes, the ops and result().
 */
describe('containerd_image module on localhost (a stand-in ctr)', () => {
  let dir: string;
  let server: Server;
  let ctr: string;
  let sock: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-ctr-'));
    ctr = join(dir, 'ctr');
    sock = join(dir, 'containerd.sock');
    writeFileSync(
      ctr,
      [
        '#!/bin/sh',
        `store=${dir}/store`,
        'while [ $# -gt 0 ]; do case "$1" in --address|-n) shift 2;; *) break;; esac; done',
        '[ "$1" = images ] || exit 2; shift',
        'case "$1" in',
        '  ls) cat "$store" 2>/dev/null; true;;',
        '  import) [ -f "$2" ] || { echo "ctr: open $2: no such file or directory" >&2; exit 1; }',
        '    while read -r n; do echo "unpacking $n (sha256:00)...done"; echo "$n" >> "$store"; done < "$2";;',
        '  rm) grep -vxF "$2" "$store" > "$store.new"; mv "$store.new" "$store"; echo "$2";;',
        'esac',
      ].join('\n'),
    );
    chmodSync(ctr, 0o755);
    writeFileSync(join(dir, 'pause.tar'), `${PAUSE}\n`);
    writeFileSync(join(dir, 'other.tar'), 'registry.k8s.io/pause:3.9\n');
    server = createServer();
    await new Promise<void>((res) => server.listen(sock, res));
  });
  after(async () => {
    await new Promise((res) => server.close(res));
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: Vars, check: boolean, ledger = new HostLedger()) {
    const transport = new LocalTransport('localhost');
    const controller = { playbookDir: dir, inventoryDir: dir, pkiDir: join(dir, 'pki'), cacheDir: join(dir, 'cache') };
    const ctx = createModuleContext({ host: 'localhost', transport, vars: { inventory_hostname: 'localhost' }, check, diff: true, ledger, controller, taskName: 'preload' });
    return runModule({ module: containerdImage, args, ctx, transport, ledger, taskName: 'preload', check });
  }
  const args = (extra: Vars = {}): Vars => ({ name: PAUSE, archive: join(dir, 'pause.tar'), ctr, address: sock, ...extra });

  it('imports once: check predicts it, the run imports and verifies, a second run changes nothing', async () => {
    expect(await run(args(), true)).to.deep.include({ changed: true, failed: false });
    expect(() => readFileSync(join(dir, 'store'))).to.throw();
    const first = await run(args(), false);
    expect(first).to.deep.include({ changed: true, failed: false });
    expect(first.result).to.deep.include({ image: PAUSE, imported: [PAUSE] });
    expect(readFileSync(join(dir, 'store'), 'utf8')).to.equal(`${PAUSE}\n`);
    expect(await run(args(), false)).to.deep.include({ changed: false, failed: false });
    expect(await run(args(), true)).to.deep.include({ changed: false, failed: false });
  });

  it('an archive that holds another name fails the run after the import', async () => {
    const r = await run(args({ name: 'registry.k8s.io/pause:3.8', archive: join(dir, 'other.tar') }), false);
    expect(r.failed).to.equal(true);
    expect(r.msg).to.equal(`imported ${join(dir, 'other.tar')}, but registry.k8s.io/pause:3.8 is not in containerd's k8s.io namespace: it holds registry.k8s.io/pause:3.9`);
  });

  it('a missing archive fails in check mode and in the real run alike', async () => {
    const missing = args({ name: 'registry.k8s.io/pause:3.7', archive: join(dir, 'missing.tar') });
    for (const check of [true, false]) {
      const r = await run(missing, check);
      expect(r, String(check)).to.deep.include({ failed: true, msg: `cannot import registry.k8s.io/pause:3.7: the archive ${join(dir, 'missing.tar')} is not on the host` });
    }
  });

  it('check mode: ctr and the archive from earlier tasks of the run predict the import, after that task', async () => {
    const ledger = new HostLedger();
    ledger.record({ kind: 'path', path: join(dir, 'bin', 'ctr'), state: 'file' }, 'download : containerd');
    ledger.record({ kind: 'path', path: join(dir, 'later.tar'), state: 'file' }, 'copy images');
    const r = await run(args({ name: 'registry.k8s.io/pause:3.6', ctr: join(dir, 'bin', 'ctr'), archive: join(dir, 'later.tar'), address: join(dir, 'none.sock') }), true, ledger);
    expect(r).to.deep.include({ changed: true, failed: false });
    expect(r.changes[0]!.after).to.equal('copy images');
    // the real run has no ledger answer: ctr is not there
    const real = await run(args({ name: 'registry.k8s.io/pause:3.6', ctr: join(dir, 'bin', 'ctr'), archive: join(dir, 'pause.tar') }), false);
    expect(real.msg).to.equal(`cannot import registry.k8s.io/pause:3.6: ${join(dir, 'bin', 'ctr')} is not on the host (is containerd installed?)`);
  });

  it('absent removes the image once; a stopped containerd fails the real run', async () => {
    const rm: Vars = { name: PAUSE, ctr, address: sock, state: 'absent' };
    expect(await run(rm, true)).to.deep.include({ changed: true });
    expect(await run(rm, false)).to.deep.include({ changed: true, failed: false });
    expect(readFileSync(join(dir, 'store'), 'utf8')).to.not.contain(PAUSE);
    expect(await run(rm, false)).to.deep.include({ changed: false, failed: false });
    const stopped = await run(args({ address: join(dir, 'none.sock') }), false);
    expect(stopped.msg).to.equal(`cannot list containerd's images: containerd's socket ${join(dir, 'none.sock')} is not there (containerd is not running)`);
  });
});
