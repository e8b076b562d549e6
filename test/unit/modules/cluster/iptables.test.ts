/** iptables: iptables-save spelling, rule building and the pure plans, on a recorded iptables-save fixture. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalRule, parseSave, saveAddress, saveString, tokenize } from '../../../../modules/cluster/iptables/save-format.ts';
import { buildRule, ruleProblems } from '../../../../modules/cluster/iptables/rule.ts';
import { planIptables } from '../../../../modules/cluster/iptables/plan.ts';
import { planRuleset } from '../../../../modules/cluster/iptables/ruleset.ts';
import type { IptablesArgs } from '../../../../modules/cluster/iptables/schema.ts';

const fixture = readFileSync(join(import.meta.dirname, '../../../fixtures/modules/cluster/iptables-save-filter.txt'), 'utf8');
const dump = () => parseSave(fixture, 'filter');

describe('iptables-save format', () => {
  it('parses chains, policies and rules of the asked table only', () => {
    const d = dump();
    expect([...d.keys()]).to.deep.equal(['INPUT', 'FORWARD', 'OUTPUT', 'KUBE-FIREWALL']);
    expect(d.get('FORWARD')!.policy).to.equal('DROP');
    expect(d.get('INPUT')!.rules[0]).to.equal('-j KUBE-FIREWALL');
    expect(parseSave(fixture, 'nat').size).to.equal(0);
  });

  it('spells addresses like iptables-save', () => {
    expect(saveAddress('10.0.0.9/8', false)).to.equal('10.0.0.0/8');
    expect(saveAddress('10.0.0.5', false)).to.equal('10.0.0.5/32');
    expect(saveAddress('10.1.2.3/255.255.0.0', false)).to.equal('10.1.0.0/16');
    expect(saveAddress('2001:DB8::5/64', true)).to.equal('2001:db8::/64');
    expect(saveAddress('fe80:0:0:1::1', true)).to.equal('fe80:0:0:1::1/128');
    expect(saveAddress('example.com', false)).to.equal(undefined);
  });

  it('quotes strings like xtables_save_string and tokenizes them back', () => {
    expect(saveString('single-word_1')).to.equal('single-word_1');
    expect(saveString('it\'s "x"')).to.equal('"it\\\'s \\"x\\""');
    expect(tokenize('-m comment --comment "a \\"b\\" c" -j X')).to.deep.equal(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
    expect(canonicalRule("--source 10.0.0.1 --protocol TCP -m comment --comment 'two words' --jump ACCEPT", false)).to.equal(
      '-s 10.0.0.1/32 -p tcp -m comment --comment "two words" -j ACCEPT',
    );
  });
});

describe('iptables rule', () => {
  it('builds argv and the saved line in the same order', () => {
    const r = buildRule({ chain: 'INPUT', comment: 'allow ssh', jump: 'ACCEPT', ctstate: ['ESTABLISHED', 'NEW'], protocol: 'tcp', destination_port: 22, source_port: '1000:2000', in_interface: 'eth0', destination: '10.1.0.0/16', source: '10.0.0.5' });
    expect(r.saved).to.equal(dump().get('INPUT')!.rules[1]);
    expect(r.argv.slice(0, 2)).to.deep.equal(['-s', '10.0.0.5']);
  });

  it('spells protocols like iptables-save: names for numbers, `all` omitted, icmpv6 as ipv6-icmp', () => {
    expect(buildRule({ chain: 'INPUT', protocol: '6', destination_port: 22, jump: 'ACCEPT' }).saved).to.equal('-p tcp -m tcp --dport 22 -j ACCEPT');
    expect(buildRule({ chain: 'INPUT', protocol: 'all', jump: 'ACCEPT' }).saved).to.equal('-j ACCEPT');
    expect(buildRule({ chain: 'INPUT', protocol: 'icmpv6', ip_version: 'ipv6', jump: 'ACCEPT' }).saved).to.equal('-p ipv6-icmp -j ACCEPT');
    expect(canonicalRule('-p 47 -j ACCEPT', false)).to.equal('-p gre -j ACCEPT');
    expect(canonicalRule('-p all -j ACCEPT', false)).to.equal('-j ACCEPT');
  });

  it('refuses host names and ports without a port protocol', () => {
    expect(ruleProblems({ chain: 'INPUT', source: 'example.com', destination_port: 22 }).map((e) => e.key)).to.deep.equal(['source', 'destination_port']);
  });
});

describe('iptables plan', () => {
  const ssh: IptablesArgs = { chain: 'INPUT', source: '10.0.0.5', destination: '10.1.0.0/16', in_interface: 'eth0', protocol: 'tcp', source_port: '1000:2000', destination_port: 22, ctstate: ['NEW', 'ESTABLISHED'], comment: 'allow ssh', jump: 'ACCEPT' };

  it('plans nothing for a rule that is there', () => {
    expect(planIptables({ dump: dump() }, ssh).changes).to.deep.equal([]);
  });

  it('inserts at rule_num with a diff of the chain', () => {
    const p = planIptables({ dump: dump() }, { chain: 'INPUT', protocol: 'udp', destination_port: 53, jump: 'ACCEPT', action: 'insert', rule_num: 2 });
    expect(p.changes[0]!.ops[0]).to.deep.include({ cmd: ['iptables', '-w', '10', '-t', 'filter', '-I', 'INPUT', '2', '-p', 'udp', '-m', 'udp', '--dport', '53', '-j', 'ACCEPT'] });
    expect(p.changes[0]!.diff!.after.split('\n')[2]).to.equal('-A INPUT -p udp -m udp --dport 53 -j ACCEPT');
  });

  it('deletes every copy with state absent', () => {
    const d = dump();
    d.get('INPUT')!.rules.push(d.get('INPUT')!.rules[1]!);
    const p = planIptables({ dump: d }, { ...ssh, state: 'absent' });
    expect(p.changes[0]!.ops).to.have.length(2);
    expect(p.changes[0]!.summary).to.match(/\(2 copies\)$/);
  });

  it('needs chain_management for a missing chain unless an earlier task creates it', () => {
    expect(planIptables({ dump: dump() }, { chain: 'NEW', jump: 'RETURN' }).failed).to.match(/does not exist/);
    expect(planIptables({ dump: dump(), chainAfter: 'make chain' }, { chain: 'NEW', jump: 'RETURN' }).changes).to.have.length(1);
  });

  it('flush with a rule leaves just that rule, and is idempotent', () => {
    const d = dump();
    const a: IptablesArgs = { chain: 'KUBE-FIREWALL', flush: true, jump: 'RETURN' };
    const p = planIptables({ dump: d }, a);
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['flush KUBE-FIREWALL (1 rules)', '+ -A KUBE-FIREWALL -j RETURN']);
    d.get('KUBE-FIREWALL')!.rules = ['-j RETURN'];
    expect(planIptables({ dump: d }, a).changes).to.deep.equal([]);
  });

  it('treats built-in chains of a table that does not exist yet as empty', () => {
    const p = planIptables({ dump: new Map() }, { table: 'nat', chain: 'POSTROUTING', jump: 'MASQUERADE' });
    expect(p.changes[0]!.summary).to.equal('+ -A POSTROUTING -j MASQUERADE');
  });
});

describe('iptables_ruleset plan', () => {
  it('sends only chains that differ, flushing each, and keeps built-in policies', () => {
    const p = planRuleset({ dump: dump() }, { chains: [{ name: 'KUBE-FIREWALL', rules: [dump().get('KUBE-FIREWALL')!.rules[0]!] }, { name: 'INPUT', rules: ['-j KUBE-FIREWALL'] }] });
    const op = p.changes[0]!.ops[0] as { stdin: string; cmd: string[] };
    expect(op.cmd).to.deep.equal(['iptables-restore', '-w', '10', '--noflush']);
    expect(op.stdin).to.equal('*filter\n:INPUT ACCEPT [0:0]\n-F INPUT\n-A INPUT -j KUBE-FIREWALL\nCOMMIT\n');
    expect(p.changes[0]!.summary).to.match(/INPUT \+0 -1/);
  });

  it('plans nothing when every chain matches', () => {
    const d = dump();
    expect(planRuleset({ dump: d }, { chains: [{ name: 'INPUT', rules: d.get('INPUT')!.rules }] }).changes).to.deep.equal([]);
  });
});
