import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerFileOf, findControllerFile } from '../../../engine/executor/module-context.ts';
import { HostLedger } from '../../../engine/executor/ledger.ts';

describe('controller file search (run time, same order as the loader)', () => {
  const root = mkdtempSync(join(tmpdir(), 'kplay-find-'));
  const role = join(root, 'roles/web');
  const tasks = join(role, 'tasks');
  for (const d of [join(role, 'files'), tasks, join(root, 'files')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(role, 'files/a.conf'), 'role');
  writeFileSync(join(root, 'files/a.conf'), 'playbook');
  writeFileSync(join(root, 'files/b.conf'), 'playbook');

  it("prefers the role's files/ over the playbook's", () => {
    expect(findControllerFile('files', 'a.conf', { rolePath: role, taskDir: tasks, playbookDir: root })).to.equal(join(role, 'files/a.conf'));
  });
  it("falls back to the playbook's files/", () => {
    expect(findControllerFile('files', 'b.conf', { rolePath: role, taskDir: tasks, playbookDir: root })).to.equal(join(root, 'files/b.conf'));
  });
  it('is undefined when missing, unless an earlier task plans the file on the controller', () => {
    const planned = new HostLedger();
    const pki = join(root, 'pki/ca.pem');
    expect(findControllerFile('files', pki, { playbookDir: root })).to.equal(undefined);
    planned.record({ kind: 'path', path: pki, state: 'file', on: 'controller' }, 'make the CA');
    expect(findControllerFile('files', pki, { playbookDir: root, planned })).to.equal(pki);
  });
  it('controllerFile: on disk, or the earlier task that writes it (a directory it implies is no file)', () => {
    const planned = new HostLedger();
    const pki = join(root, 'pki2/ca.pem');
    expect(controllerFileOf(join(root, 'files/b.conf'), planned)).to.deep.equal({ exists: true });
    expect(controllerFileOf(pki, planned)).to.deep.equal({ exists: false });
    planned.record({ kind: 'path', path: pki, state: 'file', on: 'controller' }, 'make the CA');
    expect(controllerFileOf(pki, planned)).to.deep.equal({ exists: false, plannedBy: 'make the CA' });
    expect(controllerFileOf(join(root, 'pki2'), planned)).to.deep.equal({ exists: false });
  });
});
