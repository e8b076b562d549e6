/**
 * The installed entry point, as a user runs it: bin/kplay.js (the esbuild bundle with its V8 code
 * cache when fresh, else tsx).
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../../..');
const bin = join(root, 'bin/kplay.js');

/**
 * An installed copy of the built CLI (bin, dist, package.json; node_modules linked) with no source
 * newer than the bundle: the bundle is what runs, however others edit /work/main meanwhile, and a
 * test may damage its code cache.
 */
function installedCopy(): string {
  const at = mkdtempSync(join(tmpdir(), 'kplay-bin-install-'));
  for (const p of ['bin', 'dist', 'package.json']) cpSync(join(root, p), join(at, p), { recursive: true });
  mkdirSync(join(at, 'engine'));
  mkdirSync(join(at, 'modules'));
  symlinkSync(join(root, 'node_modules'), join(at, 'node_modules'));
  return at;
}

/** Runs bin/kplay.js of `at`, which must succeed; returns its output and what it said of the code cache. */
function kplayAt(at: string, args: string[]): { stdout: string; codeCache: string } {
  const r = spawnSync(process.execPath, [join(at, 'bin/kplay.js'), ...args], { env: { ...process.env, KPLAY_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return { stdout: r.stdout, codeCache: /kplay: code cache (.*)/.exec(r.stderr)?.[1] ?? 'not reported (sources?)' };
}

describe('bin/kplay.js', function () {
  this.timeout(120_000);
  before(() => {
    // what `npm ci` does through "prepare"
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')]);
  });

  const sampleCheck = () => ['run', join(root, 'playbooks/sample.yml'), '--check', '--diff', '-e', `sample_root=${mkdtempSync(join(tmpdir(), 'kplay-bin-'))}/x`];

  it('runs the sample playbook in check mode (bundle, with its code cache)', () => {
    const r = kplayAt(installedCopy(), sampleCheck());
    expect(r.codeCache).to.equal('accepted');
    expect(r.stdout).to.match(/CHECK MODE/);
    expect(r.stdout).to.match(/\+\[service\.etcd\]/);
  });

  it('runs the sample playbook in check mode (sources)', () => {
    const r = spawnSync(process.execPath, [bin, ...sampleCheck()], { env: { ...process.env, KPLAY_FROM_SOURCE: '1' }, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/CHECK MODE/);
    expect(r.stdout).to.match(/\+\[service\.etcd\]/);
  });

  it('the bundle loads node-forge on first use: a CA and a certificate that openssl verifies', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-bin-pki-'));
    const play = join(dir, 'pki.yml');
    writeFileSync(
      play,
      `- hosts: localhost
  gather_facts: false
  tasks:
    - cert: { kind: ca, name: ca, pki_dir: ${dir}/pki, common_name: test-ca }
    - cert: { kind: cert, name: srv, pki_dir: ${dir}/pki, common_name: srv, dns_names: [srv.local], usages: [server_auth] }
`,
    );
    const r = kplayAt(installedCopy(), ['run', play]);
    expect(r.codeCache).to.equal('accepted');
    expect(r.stdout).to.match(/changed=2/);
    execFileSync('openssl', ['verify', '-CAfile', join(dir, 'pki/ca.pem'), join(dir, 'pki/srv.pem')]);
  });

  describe('the code cache made by the build (dist/kplay.cjs.cache)', () => {
    /** What bin/kplay.js of `at` said of its code cache, on a run that worked. */
    function codeCacheAt(at: string): string {
      const r = kplayAt(at, sampleCheck());
      expect(r.stdout).to.match(/PLAY RECAP/);
      return r.codeCache;
    }

    const damages: [string, (cache: Buffer) => Buffer][] = [
      ['garbage', () => Buffer.from('not a code cache')],
      ['truncated', (c) => c.subarray(0, c.length >> 1)],
      // V8 does not check its payload: unchecked, a flipped byte crashes the process
      ['with flipped bytes in the V8 data', (c) => Buffer.from(c.map((b, i) => (i > 4096 && i % 997 === 0 ? b ^ 0x5a : b)))],
      ['empty', () => Buffer.alloc(0)],
    ];
    for (const [what, damage] of damages) {
      it(`${what}, is ignored, and left as it is: nothing is written at run time`, () => {
        const at = installedCopy();
        const cache = join(at, 'dist/kplay.cjs.cache');
        const bad = damage(readFileSync(cache));
        writeFileSync(cache, bad);
        expect(codeCacheAt(at)).to.equal('unusable or missing');
        expect(readFileSync(cache).equals(bad)).to.equal(true);
      });
    }

    it('made for other bundle bytes, is ignored', () => {
      const at = installedCopy();
      writeFileSync(join(at, 'dist/kplay.cjs'), `${readFileSync(join(at, 'dist/kplay.cjs'), 'utf8')}\n// another build\n`);
      expect(codeCacheAt(at)).to.equal('unusable or missing');
    });

    it('made by another Node version, is refused by V8 and the bundle compiled as before', async () => {
      const at = installedCopy();
      const { cacheFileBytes } = (await import(pathToFileURL(join(at, 'bin/load-bundle.js')).href)) as { cacheFileBytes: (bundle: Buffer, v8: Buffer) => Buffer };
      const cache = join(at, 'dist/kplay.cjs.cache');
      const v8 = readFileSync(cache).subarray('kplay-code-cache 1\n'.length + 64);
      // V8's header: magic, version hash, source hash, flags hash, ...
      v8.writeUInt32LE(v8.readUInt32LE(4) ^ 1, 4);
      writeFileSync(cache, cacheFileBytes(readFileSync(join(at, 'dist/kplay.cjs')), v8));
      expect(codeCacheAt(at)).to.equal('rejected by V8');
    });

    it('missing, is not needed, and not written at run time', () => {
      const at = installedCopy();
      rmSync(join(at, 'dist/kplay.cjs.cache'));
      expect(codeCacheAt(at)).to.equal('unusable or missing');
      expect(existsSync(join(at, 'dist/kplay.cjs.cache'))).to.equal(false);
    });
  });

  it('an internal error from the bundle prints the stack of the TypeScript sources (dist/kplay.cjs.map), exit 250', () => {
    const at = installedCopy();
    // a writer that throws where kplay never expects it: an internal error inside dispatch()
    const script = `
      const { loadBundle } = await import(${JSON.stringify(pathToFileURL(join(at, 'bin/load-bundle.js')).href)});
      const { dispatch } = loadBundle(${JSON.stringify(join(at, 'dist/kplay.cjs'))});
      let err = '';
      const code = await dispatch(['--version'], { out: { write() { throw new TypeError('boom'); } }, err: { write(s) { err += s; return true; } } });
      process.stdout.write(JSON.stringify({ code, err }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const { code, err } = JSON.parse(r.stdout) as { code: number; err: string };
    expect(code).to.equal(250);
    expect(err).to.match(/^internal error: TypeError: boom\n/);
    // (the file the code cache was made from: V8 keeps the name it compiled)
    expect(err).to.match(/at dispatch \(\/[^()]*\/engine\/cli\.ts:\d+:\d+\)/);
    expect(err).not.to.contain('kplay.cjs');
  });

  it('exits 4 with a located error for a bad playbook', () => {
    const r = spawnSync(process.execPath, [bin, 'run', join(root, 'test/fixtures/load/bad/unknown-module.yml')], { encoding: 'utf8' });
    expect(r.status).to.equal(4);
    expect(r.stderr).to.match(/unknown-module\.yml:\d+:\d+: unknown module/);
  });
});
