/** CLI behaviours: --limit @failed, listings, inventory and doc commands, version. */
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

const fxDir = join(import.meta.dirname, '../../fixtures/executor');

describe('kplay CLI', () => {
  it('--limit @failed re-runs only the hosts that failed last time', async () => {
    const work = mkdtempSync(join(tmpdir(), 'kplay-failed-'));
    cpSync(fxDir, work, { recursive: true });
    const out = mkdtempSync(join(tmpdir(), 'kplay-failed-out-'));
    const first = await kplay('run', join(work, 'fail-h2.yml'), '-i', join(work, 'hosts.ini'), '-e', `out=${out} fail_on=h2`);
    expect(first.code).to.equal(2);
    expect(readFileSync(join(work, '.kplay/last-failed'), 'utf8')).to.equal('h2\n');
    const again = await kplay('run', join(work, 'fail-h2.yml'), '-i', join(work, 'hosts.ini'), '-e', `out=${out} fail_on=none`, '--limit', '@failed');
    expect(again.code, again.stderr).to.equal(0);
    expect(readFileSync(join(out, 'ran'), 'utf8').split('\n').filter(Boolean).sort()).to.deep.equal(['h1', 'h2', 'h3']);
    expect(readFileSync(join(work, '.kplay/last-failed'), 'utf8')).to.equal('');
  });

  it('--list-hosts and --list-tasks print the plan without running it', async () => {
    const r = await kplay('run', join(fxDir, 'tags.yml'), '-i', join(fxDir, 'hosts.ini'), '--list-hosts', '--list-tasks');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/hosts \(1\):\n\s+h1/);
    expect(r.stdout).to.include('t-a\tTAGS: [a]');
    expect(r.stdout).not.to.include('t-never');
  });

  it('--syntax-check validates and stops', async () => {
    const r = await kplay('run', join(fxDir, 'tags.yml'), '-i', join(fxDir, 'hosts.ini'), '--syntax-check');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/syntax OK/);
  });

  it('kplay inventory --list / --graph / --host', async () => {
    const inv = join(fxDir, 'hosts.ini');
    const list = JSON.parse((await kplay('inventory', '-i', inv, '--list')).stdout) as Record<string, { hosts?: string[] }>;
    expect(list.web!.hosts).to.deep.equal(['h1', 'h2', 'h3']);
    expect((await kplay('inventory', '-i', inv, '--graph')).stdout).to.match(/@web:\n[ |]+--h1/);
    const host = JSON.parse((await kplay('inventory', '-i', inv, '--host', 'h1')).stdout) as Record<string, unknown>;
    expect(host.color).to.equal('red');
    expect(host.port).to.equal(8080);
  });

  it('kplay doc prints a module reference from its schema, with did-you-mean', async () => {
    const r = await kplay('doc', 'copy');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/dest/);
    const bad = await kplay('doc', 'cpy');
    expect(bad.code).to.equal(5);
    expect(bad.stderr).to.match(/did you mean 'copy'/);
  });

  it('--version and --help', async () => {
    expect((await kplay('--version')).stdout).to.match(/^kplay \d+\.\d+\.\d+/);
    expect((await kplay('--help')).stdout).to.match(/kplay run PLAYBOOK/);
  });
});
