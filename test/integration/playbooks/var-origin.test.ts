/**
 * kplay_var_origin names the layer a host's value comes from, in the order resolveVars merges them:
 * a role default, play vars, task vars and -e, each overriding the one before.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

describe('kplay_var_origin follows variable precedence', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-origin-'));
    mkdirSync(join(dir, 'roles/r/defaults'), { recursive: true });
    mkdirSync(join(dir, 'roles/r/tasks'), { recursive: true });
    writeFileSync(join(dir, 'roles/r/defaults/main.yml'), 'a: 1\nb: 1\nc: 1\nd: 1\n');
    writeFileSync(
      join(dir, 'roles/r/tasks/main.yml'),
      "- debug:\n    msg: \"{{ [kplay_var_origin.a, kplay_var_origin.b, kplay_var_origin.c, kplay_var_origin.d] | join(' | ') }}\"\n  vars: { c: 3 }\n",
    );
    writeFileSync(join(dir, 'inventory.ini'), 'localhost ansible_connection=local\n');
    writeFileSync(join(dir, 'play.yml'), '- hosts: localhost\n  gather_facts: false\n  vars:\n    b: 2\n  roles: [r]\n');
    writeFileSync(join(dir, 'more.yml'), 'x: 0\ne: 5\n');
    writeFileSync(
      join(dir, 'files.yml'),
      "- hosts: localhost\n  gather_facts: false\n  vars_files: [more.yml]\n  tasks:\n    - debug:\n        msg: \"{{ kplay_var_origin.e }}\"\n",
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('role default < play vars < task vars < extra vars', async () => {
    const r = await kplay('run', join(dir, 'play.yml'), '-i', join(dir, 'inventory.ini'), '-e', 'd=4', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const msg = r.events.find((e) => e.type === 'host_result' && typeof (e.result as { msg?: unknown } | undefined)?.msg === 'string');
    const text = String((msg?.result as { msg: string }).msg);
    const [a, b, c, d] = text.split(' | ');
    expect(a).to.match(/^the default of role r \(.*roles\/r\/defaults\/main\.yml:1\)$/);
    expect(b).to.match(/^play vars \(.*play\.yml:4\)$/);
    expect(c).to.match(/^task or block vars/);
    expect(d).to.equal('extra vars (-e)');
  });

  it('a value from vars_files names the file and line', async () => {
    const r = await kplay('run', join(dir, 'files.yml'), '-i', join(dir, 'inventory.ini'), '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const msg = r.events.find((e) => e.type === 'host_result' && typeof (e.result as { msg?: unknown } | undefined)?.msg === 'string');
    expect(String((msg?.result as { msg: string }).msg)).to.match(/^vars_files \(.*more\.yml:2\)$/);
  });
});
