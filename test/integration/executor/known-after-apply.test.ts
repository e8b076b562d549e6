/**
 * kplay_known_after_apply: check mode reports a task whose argument is not known yet as a change
 * without reading or planning it; a real run that meets the placeholder fails the task.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

describe('kplay_known_after_apply', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-kaa-'));
    writeFileSync(join(dir, 'inventory.ini'), 'localhost ansible_connection=local\n');
    writeFileSync(
      join(dir, 'play.yml'),
      [
        '- hosts: localhost',
        '  gather_facts: false',
        '  vars: { made: {} }',
        '  tasks:',
        '    - name: The name, known after apply',
        '      set_fact: { later: "{{ made.name | default(kplay_known_after_apply) }}" }',
        '    - name: A file named after a value made later',
        `      file: { path: "${dir}/{{ later }}", state: directory }`,
        '    - name: A known one',
        `      file: { path: "${dir}/known", state: directory }`,
      ].join('\n'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('check mode: the task is a change that names the unknown argument, and nothing is read or written', async () => {
    const r = await kplay('run', join(dir, 'play.yml'), '-i', join(dir, 'inventory.ini'), '--check', '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const results = r.events.filter((e) => e.type === 'host_result');
    // set_fact carries the placeholder on (ok); the task that uses it is the change
    expect(results.map((e) => e.status)).to.deep.equal(['ok', 'changed', 'changed']);
    const changes = (results[1] as { changes?: { summary: string }[] }).changes ?? [];
    expect(changes.map((c) => c.summary)).to.deep.equal(['file: would run; path is known after apply']);
    expect(existsSync(join(dir, 'known'))).to.equal(false);
  });

  it('a real run fails the task instead of passing the placeholder to the module', async () => {
    const r = await kplay('run', join(dir, 'play.yml'), '-i', join(dir, 'inventory.ini'), '--json');
    expect(r.code).to.not.equal(0);
    const failed = r.events.find((e) => e.type === 'host_result' && e.status === 'failed') as { msg?: string } | undefined;
    expect(failed?.msg).to.match(/^path is known after apply \(kplay_known_after_apply\) but this is a real run/);
    // the file module never saw the placeholder: no path was made of it
    expect(readdirSync(dir).filter((f) => f.includes('known_after_apply'))).to.deep.equal([]);
  });
});
