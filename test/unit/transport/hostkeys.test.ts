import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KnownHosts,
  fingerprint,
  firstWritable,
  hashHostName,
  hostKeyName,
  hostsFieldMatches,
  keyTypeOf,
  parseKnownHosts,
  recordHostKey,
} from '../../../engine/transport/hostkeys.ts';
import { HostKeyChecker } from '../../../engine/transport/host-key-checker.ts';
import { HostKeyError } from '../../../engine/transport/ssh-errors.ts';
import { TransportError } from '../../../engine/transport/transport.ts';

function keyBlob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const b = Buffer.from(body);
  const len = (n: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32BE(n);
    return x;
  };
  return Buffer.concat([len(t.length), t, len(b.length), b]);
}

const K1 = keyBlob('ssh-ed25519', 'key-one-32-bytes-long-0123456789');
const K2 = keyBlob('ssh-ed25519', 'key-two-32-bytes-long-0123456789');
const R1 = keyBlob('ssh-rsa', 'rsa-key');
const line = (names: string, k: Buffer) => `${names} ${keyTypeOf(k)} ${k.toString('base64')}`;

describe('hostkeys: known_hosts parsing and matching', () => {
  it('names a non-22 port as [host]:port', () => {
    expect(hostKeyName('10.0.0.1')).to.equal('10.0.0.1');
    expect(hostKeyName('10.0.0.1', 2222)).to.equal('[10.0.0.1]:2222');
  });

  it('prints fingerprints like ssh-keygen -l', function () {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-hk-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const pub = readFileSync(join(dir, 'k.pub'), 'utf8').split(' ');
      const ours = fingerprint(Buffer.from(pub[1]!, 'base64'));
      const theirs = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')]).toString().split(' ')[1];
      expect(ours).to.equal(theirs);
      expect(keyTypeOf(Buffer.from(pub[1]!, 'base64'))).to.equal('ssh-ed25519');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses comments, blank lines, markers, and skips garbage', () => {
    const text = ['# comment', '', line('a,b', K1), `@revoked * ${keyTypeOf(K2)} ${K2.toString('base64')}`, '@weird x y z', 'onlyone', line('c', R1)].join('\n');
    const e = parseKnownHosts(text, 'f');
    expect(e.map((x) => [x.hosts, x.marker ?? '', x.line])).to.deep.equal([
      ['a,b', '', 3],
      ['*', '@revoked', 4],
      ['c', '', 7],
    ]);
  });

  it('matches patterns: lists, wildcards, negation, [host]:port', () => {
    expect(hostsFieldMatches('a,b', 'b')).to.equal(true);
    expect(hostsFieldMatches('*.lab,!bad.lab', 'n1.lab')).to.equal(true);
    expect(hostsFieldMatches('*.lab,!bad.lab', 'bad.lab')).to.equal(false);
    expect(hostsFieldMatches('10.0.0.?', '10.0.0.7')).to.equal(true);
    expect(hostsFieldMatches('10.0.0.?', '10.0.0.17')).to.equal(false);
    expect(hostsFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222')).to.equal(true);
    expect(hostsFieldMatches('127.0.0.1', '[127.0.0.1]:2222')).to.equal(false);
    expect(hostsFieldMatches('a.b', 'aXb')).to.equal(false);
    expect(hostsFieldMatches('Node1.LAB', 'node1.lab')).to.equal(true);
    expect(hostsFieldMatches('node1.lab', 'node1.la')).to.equal(false);
  });

  it('matches hashed entries written by ssh-keygen -H', function () {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-hk-'));
    try {
      const f = join(dir, 'known_hosts');
      writeFileSync(f, `${line('[127.0.0.1]:2222', K1)}\n${line('plain.host', K2)}\n`);
      execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
      const kh = KnownHosts.load([f]);
      expect(kh.entries.every((x) => x.hosts.startsWith('|1|'))).to.equal(true);
      expect(kh.verify(['[127.0.0.1]:2222'], { keyType: 'ssh-ed25519', key: K1 }).kind).to.equal('match');
      expect(kh.verify(['plain.host'], { keyType: 'ssh-ed25519', key: K2 }).kind).to.equal('match');
      expect(kh.verify(['127.0.0.1'], { keyType: 'ssh-ed25519', key: K1 }).kind).to.equal('unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashes names the way it matches them', () => {
    expect(hostsFieldMatches(hashHostName('x.lab'), 'x.lab')).to.equal(true);
    expect(hostsFieldMatches(hashHostName('x.lab'), 'y.lab')).to.equal(false);
  });

  it('tells match, unknown, changed and revoked apart', () => {
    const kh = new KnownHosts(parseKnownHosts([line('h1', K1), `@revoked h3 ${keyTypeOf(K2)} ${K2.toString('base64')}`].join('\n')));
    expect(kh.verify(['h1'], { keyType: 'ssh-ed25519', key: K1 }).kind).to.equal('match');
    expect(kh.verify(['h2'], { keyType: 'ssh-ed25519', key: K1 }).kind).to.equal('unknown');
    expect(kh.verify(['h1'], { keyType: 'ssh-ed25519', key: K2 }).kind).to.equal('revoked');
    expect(kh.verify(['h1'], { keyType: 'ssh-rsa', key: R1 }).kind).to.equal('changed');
    const changed = new KnownHosts(parseKnownHosts(line('h1', K1))).verify(['h1'], { keyType: 'ssh-ed25519', key: K2 });
    expect(changed.kind).to.equal('changed');
  });

  it('keeps for one host only its own keys and every @revoked line, with the same verdicts', () => {
    const text = [line('h1,[h1]:2222', K1), line('h2', K2), line('h*.lab', R1), `@revoked other ${keyTypeOf(K2)} ${K2.toString('base64')}`, `@cert-authority * ${keyTypeOf(R1)} ${R1.toString('base64')}`].join('\n');
    const all = new KnownHosts(parseKnownHosts(text));
    const h1 = all.about(['h1']);
    expect(h1.entries.map((e) => e.line)).to.deep.equal([1, 4]);
    expect(all.about(['h9.lab']).entries.map((e) => e.line)).to.deep.equal([3, 4]);
    for (const key of [K1, K2, R1]) {
      const presented = { keyType: keyTypeOf(key), key };
      expect(h1.verify(['h1'], presented)).to.deep.equal(all.verify(['h1'], presented));
    }
    expect(h1.entries[0]!.key.equals(all.entries[0]!.key)).to.equal(true);
  });

  it('records new keys on a line of their own, creating the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-hk-'));
    try {
      const f = join(dir, 'sub', 'known_hosts');
      expect(firstWritable([f])).to.equal(f);
      recordHostKey(f, '[h]:2', { keyType: 'ssh-ed25519', key: K1 });
      writeFileSync(f, readFileSync(f, 'utf8').trimEnd()); // no final newline
      recordHostKey(f, 'h3', { keyType: 'ssh-ed25519', key: K2 });
      const kh = KnownHosts.load([f]);
      expect(kh.verify(['[h]:2'], { keyType: 'ssh-ed25519', key: K1 }).kind).to.equal('match');
      expect(kh.verify(['h3'], { keyType: 'ssh-ed25519', key: K2 }).kind).to.equal('match');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips files it cannot write when choosing where to record', function () {
    if (process.getuid?.() === 0) this.skip(); // root writes anywhere
    const dir = mkdtempSync(join(tmpdir(), 'kplay-hk-'));
    try {
      const ro = join(dir, 'ro');
      writeFileSync(ro, '');
      chmodSync(ro, 0o444);
      expect(firstWritable([ro, join(dir, 'rw')])).to.equal(join(dir, 'rw'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HostKeyChecker decisions', () => {
  let dir: string;
  let f: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-hkc-'));
    f = join(dir, 'known_hosts');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const checker = (mode: 'strict' | 'accept-new' | false, files = [f]) =>
    new HostKeyChecker({ host: 'node1', address: '127.0.0.1', port: 2222, files, mode });

  it('strict refuses an unknown host with its fingerprint and how to accept it', () => {
    const c = checker('strict');
    expect(c.check(K1)).to.equal(false);
    expect(c.failure).to.be.instanceOf(HostKeyError).and.instanceOf(TransportError);
    expect(c.failure!.code).to.equal('KPLAY_HOST_KEY');
    expect(c.failure!.message).to.contain(fingerprint(K1)).and.contain('[127.0.0.1]:2222');
    expect(c.failure!.hint).to.contain('accept-new').and.contain('ssh-keyscan -p 2222 127.0.0.1');
    // the settings file is kplay.yml, and its syntax is YAML (issue 18)
    expect(c.failure!.hint).to.contain('host_key_checking: accept-new (in kplay.yml').and.not.contain('kplay.cfg');
    expect(c.failure!.message).to.contain('hint:').and.contain('accept-new');
    expect(existsSync(f)).to.equal(false);
  });

  it('accept-new records the key in the first file, and then it matches', () => {
    const c = checker('accept-new', [f, join(dir, 'second')]);
    expect(c.check(K1)).to.equal(true);
    expect(c.recordedIn).to.equal(f);
    expect(readFileSync(f, 'utf8')).to.equal(`[127.0.0.1]:2222 ssh-ed25519 ${K1.toString('base64')}\n`);
    expect(checker('strict').check(K1)).to.equal(true);
  });

  it('a changed key is refused even with accept-new, naming both fingerprints', () => {
    writeFileSync(f, `${line('[127.0.0.1]:2222', K1)}\n`);
    const c = checker('accept-new');
    expect(c.check(K2)).to.equal(false);
    expect(c.failure!.message).to.match(/man-in-the-middle/).and.contain(fingerprint(K1)).and.contain(fingerprint(K2)).and.contain('node1');
    expect(readFileSync(f, 'utf8')).to.not.contain(K2.toString('base64'));
  });

  it('offers known key types first in the key exchange', () => {
    writeFileSync(f, `${line('[127.0.0.1]:2222', R1)}\n`);
    expect(checker('strict').preferredAlgorithms()!.slice(0, 3)).to.deep.equal(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(checker('strict', [join(dir, 'none')]).preferredAlgorithms()).to.equal(undefined);
  });

  it('false accepts anything and records nothing', () => {
    writeFileSync(f, `${line('[127.0.0.1]:2222', K1)}\n`);
    expect(checker(false).check(K2)).to.equal(true);
  });
});
