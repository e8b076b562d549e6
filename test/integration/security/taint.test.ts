/**
 * Taint on local hosts (ansible_connection=local): host output that is a template is written
 * literally, never rendered on the controller (issue 18). The same playbook runs on a real lab host
 * in taint.lab.test.ts.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';
import { expectedOutputs, LEAK_TEMPLATE, payloads, taintPlaybook } from './taint-playbook.ts';

const SECRET = 'CONTROLLER-SECRET-d41d8cd98f00b204';
const ENV = 'KPLAY_TAINT_TEST_SECRET';

describe('taint: host output is data, never a template (local host)', function () {
  this.timeout(60_000);

  it('a registered payload reaches files verbatim through every path, and no lookup runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-taint-'));
    mkdirSync(join(dir, 'out'));
    const secretFile = join(dir, 'controller-key');
    writeFileSync(secretFile, SECRET);
    process.env[ENV] = SECRET;
    const p = payloads(secretFile, ENV);
    writeFileSync(join(dir, 'payload'), `${p.file}\n${p.env}\n`);
    writeFileSync(join(dir, 'missing'), p.missing);
    writeFileSync(join(dir, 'leak.hbs'), LEAK_TEMPLATE);
    writeFileSync(join(dir, 'hosts.ini'), 'h1 ansible_connection=local\n');
    writeFileSync(join(dir, 'site.yml'), taintPlaybook('h1', dir, join(dir, 'leak.hbs')));
    try {
      const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '--json');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      for (const [name, want] of Object.entries(expectedOutputs(p.file, p.env))) {
        expect(readFileSync(join(dir, 'out', name), 'utf8'), name).to.equal(want);
      }
      expect(r.stdout + r.stderr).not.to.include(SECRET);
    } finally {
      delete process.env[ENV];
    }
  });

  it('vars-file text stays a template: include_vars (also registered), play vars, -e', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kplay-taint-'));
    writeFileSync(join(dir, 'extra.yml'), 'from_file: "{{base}}-file"\n');
    writeFileSync(join(dir, 'hosts.ini'), 'h1 ansible_connection=local\n');
    writeFileSync(
      join(dir, 'site.yml'),
      `
- hosts: h1
  gather_facts: false
  vars: { base: b, from_play: "{{base}}-play" }
  tasks:
    - include_vars: { file: "${dir}/extra.yml" }
      register: inc
    - copy: { dest: "${dir}/out", content: "{{from_file}} {{from_play}} {{from_cli}}" }
`,
    );
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '-e', 'from_cli={{base}}-cli', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'out'), 'utf8')).to.equal('b-file b-play b-cli');
  });
});
