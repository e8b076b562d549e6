/**
 * hostvars in a task's variables: one read-through view per host (not a copy per access: a peers
 * template reading every host's vars on every host made N² copies per task), always current.
 */
import { expect } from 'chai';
import { varsFor, type PlayContext } from '../../../engine/executor/play-context.ts';
import { HostState } from '../../../engine/executor/host-state.ts';
import type { InventoryView } from '../../../engine/executor/inventory-view.ts';
import { renderValue } from '../../../engine/template/render.ts';
import type { Vars } from '../../../engine/playbook/model.ts';

function fakePlay(): PlayContext {
  const inv: Record<string, Vars> = {
    'a.example': Object.freeze({ ansible_host: '10.0.0.1', port: 1, url: 'http://{{ansible_host}}:{{port}}' }),
    b: Object.freeze({ ansible_host: '10.0.0.2', port: 2, url: 'http://{{ansible_host}}:{{port}}' }),
  };
  const inventory: InventoryView = {
    hosts: () => Object.keys(inv),
    groups: () => ({ all: Object.keys(inv) }),
    groupNames: () => ['web'],
    match: () => Object.keys(inv),
    hostVars: (h) => inv[h]!,
  };
  const hosts = new Map(Object.keys(inv).map((h) => [h, new HostState(h)]));
  return {
    play: { vars: {}, varsFromFiles: {} },
    options: { extraVars: {}, check: false, diff: false, verbosity: 0, tags: [], skipTags: [] },
    inventory,
    hosts,
    playHosts: Object.keys(inv),
    batch: Object.keys(inv),
    roles: [],
    playbookDir: '/pb',
  } as unknown as PlayContext;
}

const hostvarsOf = (pc: PlayContext, host: string) => varsFor(pc, host, { vars: [] }, undefined, {}).hostvars as Record<string, Vars>;

describe('hostvars', () => {
  it('gives the same view of a host on every read, for every task and host (no copy per access)', () => {
    const pc = fakePlay();
    const fromA = hostvarsOf(pc, 'a.example');
    expect(fromA.b).to.equal(fromA.b);
    expect(hostvarsOf(pc, 'b').b).to.equal(fromA.b);
  });

  it('layers magic > set_fact/register > gathered facts > inventory, and shows later changes at once', () => {
    const pc = fakePlay();
    const b = hostvarsOf(pc, 'a.example').b!;
    expect(b.port).to.equal(2);
    const state = pc.hosts.get('b')!;
    state.gatheredFacts = { ansible_hostname: 'bee', port: 20 };
    expect(b.port).to.equal(20);
    expect(b.ansible_hostname).to.equal('bee');
    expect((b.ansible_facts as Vars).hostname).to.equal('bee');
    state.facts.port = 200;
    state.facts.inventory_hostname = 'not-b';
    expect(b.port).to.equal(200);
    expect(b.inventory_hostname).to.equal('b');
    expect(b.group_names).to.deep.equal(['web']);
    expect('port' in b).to.equal(true);
    expect('nothing' in b).to.equal(false);
    expect(b.nothing).to.equal(undefined);
  });

  it('lists each key once, in spread order, and serialises like a plain object', () => {
    const pc = fakePlay();
    pc.hosts.get('a.example')!.facts.port = 11;
    const a = hostvarsOf(pc, 'b')['a.example']!;
    expect(Object.keys(a)).to.deep.equal(['ansible_host', 'port', 'url', 'inventory_hostname', 'inventory_hostname_short', 'group_names']);
    expect(JSON.parse(JSON.stringify(a))).to.deep.equal({ ansible_host: '10.0.0.1', port: 11, url: 'http://{{ansible_host}}:{{port}}', inventory_hostname: 'a.example', inventory_hostname_short: 'a', group_names: ['web'] });
    expect(Object.keys(hostvarsOf(pc, 'b'))).to.deep.equal(['a.example', 'b']);
    expect(String(a)).to.equal('[object Object]');
  });

  it('is read-only', () => {
    const b = hostvarsOf(fakePlay(), 'a.example').b!;
    expect(() => {
      b.port = 3;
    }).to.throw(TypeError);
  });

  it('renders a host\'s templated var against that host, read from another host', () => {
    const pc = fakePlay();
    pc.hosts.get('b')!.facts.port = 22;
    const vars = varsFor(pc, 'a.example', { vars: [] }, undefined, {});
    expect(renderValue('{{lookup (lookup hostvars "b") "url"}} {{url}}', vars)).to.equal('http://10.0.0.2:22 http://10.0.0.1:1');
  });
});
