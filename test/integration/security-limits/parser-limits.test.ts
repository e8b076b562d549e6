/**
 * Issue 18, parser limits, through the real CLI process: an alias bomb, a deep or huge file, a
 * giant host range, a broken kplay.yml or `-e` are located errors with exit 4, never a stack
 * trace, exit 250 or an out-of-memory crash. The CLI runs in its own node with a 160 MB heap
 * ceiling, so "bounded memory" is an exit code, not a measurement.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');

function cli(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=160', join(root, 'bin/kplay.js'), ...args], {
    cwd,
    env: { ...process.env, KPLAY_FROM_SOURCE: '1', KPLAY_SSH_PERSIST: '0' },
    encoding: 'utf8',
    timeout: 60_000, // a guard against the old 67 s of CPU, not a measurement
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectLocated(r: { code: number | null; stderr: string }, file: string, message: RegExp): void {
  expect(r.code, r.stderr).to.equal(4);
  expect(r.stderr).not.to.match(/internal error|\n\s+at /);
  expect(r.stderr.split('\n')[0]).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
  expect(r.stderr).to.match(message);
}

describe('parser limits through the CLI (issue 18)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-limits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const play = (vars: string): string => `- hosts: localhost\n  gather_facts: false\n  vars:\n${vars}  tasks:\n    - debug: msg=hi\n`;

  it('an alias bomb (nine levels of ten-fold aliases) is a located error, exit 4', () => {
    let vars = '    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i <= 9; i++) vars += `    a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const file = join(dir, 'bomb.yml');
    writeFileSync(file, play(vars));
    expectLocated(cli(dir, 'run', file, '--syntax-check'), file, /YAML aliases expand to more than 100000 nodes/);
    expectLocated(cli(dir, 'run', file, '-i', 'localhost,'), file, /YAML aliases expand/);
  });

  it('a playbook nested 5000 deep and one of 50 MB are located errors, exit 4', () => {
    const deep = join(dir, 'deep.yml');
    writeFileSync(deep, play(`    x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`));
    expectLocated(cli(dir, 'run', deep, '--syntax-check'), deep, /YAML nests deeper than 100 levels/);
    const big = join(dir, 'big.yml');
    writeFileSync(big, play(`    x:\n${'      - "0123456789012345678901234567890123456789"\n'.repeat(1_000_000)}`));
    expectLocated(cli(dir, 'run', big, '--syntax-check'), big, /the file is 4\d\.\d MiB; kplay reads YAML files up to 8\.0 MiB/);
  });

  it('the host range h[1:1000][1:1000] is refused at once, located, in INI and YAML inventories', () => {
    const ini = join(dir, 'hosts.ini');
    writeFileSync(ini, '[web]\nh[1:1000][1:1000]\n');
    const r = cli(dir, 'inventory', '-i', ini, '--list');
    expectLocated(r, ini, /bad host range in "h\[1:1000\]\[1:1000\]": it stands for 1000000 hosts; a host line may expand to at most 10000/);
    const yml = join(dir, 'hosts.yml');
    writeFileSync(yml, 'all:\n  hosts:\n    h[1:1000][1:1000]:\n');
    expectLocated(cli(dir, 'inventory', '-i', yml, '--list'), yml, /a host line may expand to at most 10000/);
  });

  it('a broken kplay.yml and a broken -e mapping are YAML errors, exit 4, not internal errors', () => {
    const proj = join(dir, 'proj');
    mkdirSync(proj);
    const pb = join(proj, 'ok.yml');
    writeFileSync(pb, '- hosts: localhost\n  gather_facts: false\n  tasks: []\n');
    const r1 = cli(dir, 'run', pb, '--syntax-check', '-e', '{a: [');
    expect(r1.code, r1.stderr).to.equal(4);
    expect(r1.stderr).to.match(/^\(-e\):1:6: YAML: /);
    writeFileSync(join(proj, 'kplay.yml'), 'inventory: [\n');
    expectLocated(cli(proj, 'run', pb, '--syntax-check'), join(proj, 'kplay.yml'), /YAML: /);
  });
});
