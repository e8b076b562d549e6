import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../engine/config.ts';
import { parseExtraVars } from '../../../engine/commands/run.ts';
import { KplayError } from '../../../engine/errors.ts';

describe('kplay.yml and environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-cfg-'));
  const playbook = join(dir, 'site.yml');
  writeFileSync(playbook, '[]\n');
  writeFileSync(join(dir, 'kplay.yml'), 'forks: 7\nroles_path: [more-roles]\nhost_key_checking: accept-new\nstrategy: free\n');

  it('is found beside the playbook; relative paths resolve against it', () => {
    const c = loadConfig(playbook, {});
    expect(c.forks).to.equal(7);
    expect(c.roles_path).to.deep.equal([join(dir, 'more-roles')]);
    expect(c.host_key_checking).to.equal('accept-new');
    expect(c.strategy).to.equal('free');
  });
  it('environment variables override the file; KPLAY_ROLES_PATH is searched after roles_path', () => {
    const c = loadConfig(playbook, { KPLAY_FORKS: '3', KPLAY_ROLES_PATH: '/x:/y', KPLAY_HOST_KEY_CHECKING: 'false' });
    expect(c.forks).to.equal(3);
    expect(c.roles_path).to.deep.equal([join(dir, 'more-roles'), '/x', '/y']);
    expect(c.host_key_checking).to.equal(false);
  });
  it('ssh_persist: seconds from the file or KPLAY_SSH_PERSIST; anything else is an error', () => {
    const d = mkdtempSync(join(tmpdir(), 'kplay-cfg-'));
    writeFileSync(join(d, 'kplay.yml'), 'ssh_persist: 120\n');
    expect(loadConfig(join(d, 'site.yml'), {}).ssh_persist).to.equal(120);
    expect(loadConfig(join(d, 'site.yml'), { KPLAY_SSH_PERSIST: '0' }).ssh_persist).to.equal(0);
    expect(() => loadConfig(join(d, 'site.yml'), { KPLAY_SSH_PERSIST: 'forever' })).to.throw(KplayError, /KPLAY_SSH_PERSIST must be a number of seconds/);
  });
  it('an unknown setting is an error', () => {
    const d = mkdtempSync(join(tmpdir(), 'kplay-cfg-'));
    writeFileSync(join(d, 'kplay.yml'), 'frks: 7\n');
    writeFileSync(join(d, 'p.yml'), '[]\n');
    expect(() => loadConfig(join(d, 'p.yml'), {})).to.throw(KplayError, /unknown setting 'frks'/);
  });
});

describe('extra vars (-e)', () => {
  it('k=v pairs, with quotes', () => expect(parseExtraVars(['a=1 b="two words"'])).to.deep.equal({ a: '1', b: 'two words' }));
  it('JSON', () => expect(parseExtraVars(['{"n": 2, "l": [1]}'])).to.deep.equal({ n: 2, l: [1] }));
  it('later -e wins', () => expect(parseExtraVars(['a=1', 'a=2'])).to.deep.equal({ a: '2' }));
  it('rejects a bare word', () => expect(() => parseExtraVars(['oops'])).to.throw(KplayError));
});
