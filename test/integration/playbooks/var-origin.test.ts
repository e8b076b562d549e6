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
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('role default < play vars < task vars < extra vars', async () => {
    const r = await kplay('run', join(dir, 'play.yml'), '-i', join(dir, 'inventory.ini'), '-e', 'd=4', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const msg = r.events.find((e) => e.type === 'host_result' && typeof (e.result as { msg?: unknown } | undefined)?.msg === 'string');
    const text = String((msg?.result as { msg: string }).msg);
    const [a, b, c, d] = text.split(' | ');
    expect(a).to.match(/^the default of role r \(.*roles\/r\/defaults\/main\.yml:1\)$/);
    // play vars carry no FILE:LINE yet (the loader does not keep key positions for them)
    expect(b).to.equal('play vars');
    expect(c).to.match(/^task or block vars/);
    expect(d).to.equal('extra vars (-e)');
  });
});
