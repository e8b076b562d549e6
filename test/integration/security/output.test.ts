/**
 * Output hygiene end to end (issue 18): a host that prints `ESC]0;pwned BEL ESC[2J` in a failed
 * command and a debug message does not reach the operator's terminal with it; --json keeps it.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J';

describe('console output escapes what hosts print (local host)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-escape-'));
    writeFileSync(join(dir, 'hosts.ini'), 'h1 ansible_connection=local\n');
    writeFileSync(
      join(dir, 'site.yml'),
      `
- hosts: h1
  gather_facts: false
  tasks:
    - command: "printf '\\\\033]0;pwned\\\\007\\\\033[2J'"
      register: out
    - debug: { msg: "{{out.stdout}}" }
    - copy: { dest: "${dir}/f", content: "{{out.stdout}}\\n" }
    - command: "sh -c \\"printf '\\\\033]0;pwned\\\\007\\\\033[2J\\\\rok: [h1]' >&2; exit 1\\""
`,
    );
  });

  it('console: escaped in the failure, the debug message and the diff; --json: the real characters', async () => {
    const r = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '--diff');
    expect(r.code).to.equal(2);
    const all = r.stdout + r.stderr;
    expect(all).not.to.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(all.split('\\x1b]0;pwned\\x07\\x1b[2J').length - 1, all).to.be.at.least(3);
    expect(all).to.include('\\rok: [h1]');
    const j = await kplay('run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.ini'), '--json');
    const failed = j.events.find((e) => e.type === 'host_result' && e.status === 'failed') as { result: { stderr: string } };
    expect(failed.result.stderr).to.equal(`${HOSTILE}\rok: [h1]`);
  });
});
