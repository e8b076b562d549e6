/**
 * Issue 18, sshd limits, on throwaway sshd servers: a host whose MaxSessions is 1 or 2 (and 50
 * inventory aliases of it) completes a run of copies and commands; 50 connections at once to an
 * sshd with its default MaxStartups (10:30:100), which drops handshakes beyond 10 unauthenticated,
 * are retried instead of UNREACHABLE; a server that refuses every session fails the command with a
 * message naming MaxSessions instead of waiting forever.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSH_DEFAULTS, SshTransport } from '../../../engine/transport/ssh.ts';
import { kplay, recap } from '../../support/kplay.ts';
import { makeClientKey, requireSshd, startSshd, type ClientKey, type Sshd } from '../../support/sshd.ts';

describe('sshd limits: MaxSessions and MaxStartups (throwaway sshd)', function () {
  this.timeout(300_000);
  let dir: string;
  let key: ClientKey;
  const servers: Sshd[] = [];

  before(function () {
    requireSshd(this);
    dir = mkdtempSync(join(tmpdir(), 'kplay-ssh-limits-'));
    key = makeClientKey(dir, 'ed25519');
  });
  after(async () => {
    for (const s of servers) await s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function server(opts: Parameters<typeof startSshd>[0]): Promise<Sshd> {
    const s = await startSshd(opts);
    servers.push(s);
    s.authorize(key.publicKey);
    return s;
  }

  /** An inventory of `n` aliases of one sshd, and a play that copies (content and a file) and runs commands on each. */
  function project(name: string, sshd: Sshd, n: number, persist = 0): { inv: string; play: string; out: string } {
    const at = join(dir, name);
    const out = join(at, 'out');
    const hosts = Array.from({ length: n }, (_, i) => `    a${i}:`).join('\n');
    rmSync(at, { recursive: true, force: true });
    writeFileSync(join(dir, `${name}.known_hosts`), `${sshd.knownHostsLine()}\n`);
    const inv = join(dir, `${name}.yml`);
    writeFileSync(
      inv,
      [
        'all:',
        '  vars:',
        '    ansible_host: 127.0.0.1',
        `    ansible_port: ${sshd.port}`,
        '    ansible_user: root',
        `    ansible_ssh_private_key_file: ${key.path}`,
        `    ansible_ssh_common_args: "-o UserKnownHostsFile=${join(dir, `${name}.known_hosts`)}"`,
        `    kplay_ssh_persist: ${persist}`,
        '  hosts:',
        hosts,
        '',
      ].join('\n'),
    );
    const play = join(dir, `${name}-site.yml`);
    writeFileSync(
      play,
      [
        '- hosts: all',
        '  gather_facts: false',
        '  tasks:',
        `    - file: {path: "${out}", state: directory}`,
        '      run_once: true',
        `    - copy: {content: "hello {{inventory_hostname}}\\n", dest: "${out}/{{inventory_hostname}}.txt", mode: "0600"}`,
        `    - command: cat ${out}/{{inventory_hostname}}.txt`,
        '      register: cat',
        '      changed_when: false',
        '    - assert: {that: ["cat.stdout == \'hello \' ~ inventory_hostname"]}',
        `    - copy: {src: "${play}", dest: "${out}/{{inventory_hostname}}.yml"}`,
        '    - shell: "echo one; echo two >&2"',
        '      changed_when: false',
        '',
      ].join('\n'),
    );
    return { inv, play, out };
  }

  function expectAllOk(r: Awaited<ReturnType<typeof kplay>>, n: number): void {
    const stats = recap(r);
    const bad = Object.entries(stats).filter(([, s]) => s.unreachable || s.failed);
    expect(bad, r.stdout.split('\n').filter((l) => /"status":"(unreachable|failed)"/.test(l)).slice(0, 3).join('\n')).to.deep.equal([]);
    expect(Object.keys(stats)).to.have.length(n);
    expect(r.code).to.equal(0);
  }

  it('MaxSessions 2 and 50 inventory aliases of the host: the run completes, every host ok', async () => {
    const sshd = await server({ maxSessions: 2 });
    const p = project('ms2', sshd, 50);
    const r = await kplay('run', p.play, '-i', p.inv, '--json', '-f', '50');
    expectAllOk(r, 50);
    expect(readFileSync(join(p.out, 'a49.txt'), 'utf8')).to.equal('hello a49\n');
    // and idempotent on the second run, now through the keeper (kept connections)
    const p2 = project('ms2', sshd, 50, 30);
    expectAllOk(await kplay('run', p2.play, '-i', p2.inv, '--json', '-f', '50'), 50);
  });

  it('MaxSessions 1: one session at a time still runs copies and commands', async () => {
    const sshd = await server({ maxSessions: 1 });
    const p = project('ms1', sshd, 3);
    expectAllOk(await kplay('run', p.play, '-i', p.inv, '--json'), 3);
  });

  it('50 connections at once to an sshd with the default MaxStartups 10:30:100: none UNREACHABLE', async () => {
    const sshd = await server({ maxStartups: '10:30:100' });
    const p = project('startups', sshd, 50);
    expectAllOk(await kplay('run', p.play, '-i', p.inv, '--json', '-f', '50'), 50);
    // the transport itself: 50 fresh connections at once, each retried as needed
    const ts = Array.from({ length: 50 }, (_, i) => new SshTransport({ host: `t${i}`, address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, hostKeyChecking: false }));
    try {
      const rs = await Promise.all(ts.map((t, i) => t.exec(`echo ${i}`)));
      rs.forEach((r, i) => expect(r.stdout).to.equal(`${i}\n`));
    } finally {
      await Promise.all(ts.map((t) => t.close()));
    }
  });

  it('a server that refuses every session: the command fails naming MaxSessions, it does not wait forever', async () => {
    const sshd = await server({ maxSessions: 0 } as Parameters<typeof startSshd>[0]);
    const saved = SSH_DEFAULTS.channelRefusedMs;
    SSH_DEFAULTS.channelRefusedMs = 1500;
    const t = new SshTransport({ host: 'nosessions', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, agent: false, hostKeyChecking: false });
    try {
      const err = await t.exec('echo hi').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/refused every new session channel for 1\.5 s .*raise MaxSessions in sshd_config/);
    } finally {
      SSH_DEFAULTS.channelRefusedMs = saved;
      await t.close();
    }
  });
});
