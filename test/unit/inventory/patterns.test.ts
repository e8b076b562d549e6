import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inventory } from '../../../engine/inventory/index.ts';
import { splitPattern } from '../../../engine/inventory/patterns.ts';
import { writeTree } from './tree.ts';

const INI = `
solo
[web]
web1
web2
web3
[db]
db1
db2
[app:children]
web
db
[edge]
web3
db2
proxy.example.org
`;

describe('inventory: host patterns', () => {
  const dir = writeTree({ 'hosts.ini': INI });
  const inv = Inventory.load([`${dir}/hosts.ini`]);
  const all = ['solo', 'web1', 'web2', 'web3', 'db1', 'db2', 'proxy.example.org'];

  const cases: [string, string[]][] = [
    ['all', all],
    ['*', all],
    ['web', ['web1', 'web2', 'web3']],
    ['web1', ['web1']],
    ['web*', ['web1', 'web2', 'web3']],
    ['db?', ['db1', 'db2']],
    ['*.example.org', ['proxy.example.org']],
    ['web[0]', ['web1']],
    ['web[-1]', ['web3']],
    ['web[1:2]', ['web2', 'web3']],
    ['app[1:]', ['web2', 'web3', 'db1', 'db2']],
    ['web[5]', []],
    ['web:db', ['web1', 'web2', 'web3', 'db1', 'db2']],
    ['db,web', ['web1', 'web2', 'web3', 'db1', 'db2']], // inventory order, not pattern order
    ['app:&edge', ['web3', 'db2']],
    ['app:!edge', ['web1', 'web2', 'db1']],
    ['!web', ['solo', 'db1', 'db2', 'proxy.example.org']],
    ['&edge', ['web3', 'db2', 'proxy.example.org']],
    ['~web[12]', ['web1', 'web2']],
    ['~(db|solo)', ['solo', 'db1', 'db2']],
    ['web,web1,web', ['web1', 'web2', 'web3']],
    ['ungrouped', ['solo']],
    ['nosuch', []],
    ['web:nosuch', ['web1', 'web2', 'web3']],
    ['web[0]:db[-1]', ['web1', 'db2']],
    ['  web1 , db1 ', ['web1', 'db1']],
  ];
  for (const [pattern, want] of cases) {
    it(`${JSON.stringify(pattern)} → ${want.join(' ') || '(none)'}`, () => {
      expect(inv.match(pattern)).to.deep.equal(want);
    });
  }

  it('matches the implicit localhost by name, never through all', () => {
    expect(inv.hasHost('localhost')).to.equal(false);
    expect(inv.match('localhost')).to.deep.equal(['localhost']);
    expect(inv.match('127.0.0.1')).to.deep.equal(['127.0.0.1']);
    expect(inv.match('web1:localhost')).to.deep.equal(['web1', 'localhost']);
    expect(inv.match('all')).not.to.include('localhost');
    expect(inv.hostVars('localhost')).to.include({ ansible_connection: 'local' });
    expect(inv.groupNames('localhost')).to.deep.equal([]);
    expect(inv.isImplicitLocalhost('localhost')).to.equal(true);
  });

  it('uses a declared localhost as a normal host', () => {
    const d = writeTree({ 'h.ini': '[local]\nlocalhost ansible_connection=local x=1\n' });
    const i = Inventory.load([`${d}/h.ini`]);
    expect(i.match('all')).to.deep.equal(['localhost']);
    expect(i.hostVars('localhost')).to.include({ x: 1 });
    expect(i.isImplicitLocalhost('localhost')).to.equal(false);
  });

  it('gives group_vars/all and host_vars/localhost to the implicit localhost', () => {
    const d = writeTree({ 'h.ini': '[all:vars]\nz=1\n', 'group_vars/all.yml': 'a: 1\nansible_connection: ssh\n', 'host_vars/localhost.yml': 'b: 2\n' });
    expect(Inventory.load([`${d}/h.ini`]).hostVars('localhost')).to.include({ z: 1, a: 1, b: 2, ansible_connection: 'local' });
  });

  it('limits with a pattern or an @file of names', () => {
    const file = join(dir, 'retry');
    writeFileSync(file, 'web2\n\n# comment\ndb1\n');
    expect(inv.limit(`@${file}`)).to.deep.equal(['web2', 'db1']);
    expect(inv.limit(`@${file}:web3`)).to.deep.equal(['web2', 'web3', 'db1']);
    expect(inv.limit('db')).to.deep.equal(['db1', 'db2']);
    expect(() => inv.limit('@/nonexistent/file')).to.throw(/cannot be read/);
  });

  it('splits patterns like Ansible', () => {
    expect(splitPattern('a:b:&c:!d')).to.deep.equal(['a', 'b', '&c', '!d']);
    expect(splitPattern('web[1:3]:db')).to.deep.equal(['web[1:3]', 'db']);
    expect(splitPattern('a,b:c')).to.deep.equal(['a', 'b:c']);
    expect(splitPattern('fe80::1')).to.deep.equal(['fe80::1']);
    expect(splitPattern('::1')).to.deep.equal(['::1']);
  });

  it('refuses a bad regex', () => {
    expect(() => inv.match('~web(')).to.throw(/bad regular expression/);
  });
});
