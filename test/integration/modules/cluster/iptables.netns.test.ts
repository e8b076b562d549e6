/** iptables and iptables_ruleset against real netfilter tables in a private network namespace, nft and legacy. */
import { expect } from 'chai';
import { runModuleOn } from '../../../support/module-harness.ts';
import { iptables } from '../../../../modules/cluster/iptables/iptables.ts';
import { iptablesRuleset } from '../../../../modules/cluster/iptables/ruleset.ts';
import { NetnsTransport } from './netns-transport.ts';

for (const backend of ['nft', 'legacy'] as const) {
  describe(`iptables modules (iptables-${backend}, network namespace)`, function () {
    let t: NetnsTransport;
    before(function () {
      if (process.getuid?.() !== 0) this.skip();
      t = new NetnsTransport(backend);
    });
    after(async () => t?.close());

    const ssh = {
      chain: 'INPUT',
      protocol: 'tcp',
      source: '10.0.0.0/8',
      destination_port: 22,
      ctstate: ['ESTABLISHED', 'NEW'],
      comment: 'allow ssh',
      jump: 'ACCEPT',
    };
    const line = '-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW,ESTABLISHED -m comment --comment "allow ssh" -j ACCEPT';
    const count = (text: string, l: string) => text.split('\n').filter((x) => x === l).length;

    it('check mode changes no rule but shows the rule to add', async () => {
      const before = await t.save();
      const r = await runModuleOn(t, iptables, ssh, { check: true });
      expect(r.failed, r.msg).to.equal(false);
      expect(r.changed).to.equal(true);
      expect(r.changes[0]!.summary).to.equal(`+ ${line}`);
      expect(r.changes[0]!.diff!.after).to.contain(line);
      expect(await t.save()).to.equal(before);
    });

    it('adds a rule exactly once over two runs', async () => {
      const r1 = await runModuleOn(t, iptables, ssh);
      expect(r1.failed, r1.msg).to.equal(false);
      expect(r1.changed).to.equal(true);
      const r2 = await runModuleOn(t, iptables, ssh);
      expect(r2.changed, JSON.stringify(r2.changes)).to.equal(false);
      expect(count(await t.save(), line)).to.equal(1);
    });

    it('recognises host addresses, negation, multiport, REJECT defaults and odd comments', async () => {
      const rules = [
        { chain: 'INPUT', source: '! 192.168.1.7', protocol: 'udp', destination_ports: [53, '5353'], jump: 'REJECT' },
        { chain: 'INPUT', in_interface: 'lo', comment: 'it\'s "quoted" $x', jump: 'ACCEPT' },
        { chain: 'INPUT', action: 'insert', rule_num: 1, match: ['addrtype --dst-type LOCAL'], protocol: 'icmp', jump: 'ACCEPT' },
        { table: 'nat', chain: 'POSTROUTING', source: '10.244.0.5/16', destination: '!10.244.0.0/16', jump: 'MASQUERADE' },
        { table: 'nat', chain: 'PREROUTING', protocol: 'tcp', destination_port: 80, jump: 'DNAT', to_destination: '10.0.0.1:8080' },
        { chain: 'INPUT', protocol: '17', destination_port: '! 53', jump: 'DROP' },
        { chain: 'INPUT', protocol: 'all', in_interface: 'eth+', jump: 'RETURN' },
        { chain: 'INPUT', ip_version: 'ipv6', protocol: 'icmpv6', jump: 'ACCEPT' },
        { chain: 'INPUT', ip_version: 'ipv6', source: '::/0', jump: 'REJECT' },
      ];
      for (const args of rules) {
        const r = await runModuleOn(t, iptables, args);
        expect(r.failed, r.msg).to.equal(false);
        expect(r.changed).to.equal(true);
        const again = await runModuleOn(t, iptables, args);
        expect(again.changed, `${JSON.stringify(args)}: ${JSON.stringify(again.changes)}`).to.equal(false);
      }
      expect((await t.save()).split('\n').find((l) => l.startsWith('-A INPUT'))).to.match(/addrtype/);
    });

    it('removes the rule with state absent (check mode first)', async () => {
      const before = await t.save();
      const c = await runModuleOn(t, iptables, { ...ssh, state: 'absent' }, { check: true });
      expect(c.changes[0]!.summary).to.equal(`- ${line}`);
      expect(await t.save()).to.equal(before);
      const r = await runModuleOn(t, iptables, { ...ssh, state: 'absent' });
      expect(r.changed).to.equal(true);
      expect(count(await t.save(), line)).to.equal(0);
      expect((await runModuleOn(t, iptables, { ...ssh, state: 'absent' })).changed).to.equal(false);
    });

    it('manages chains: create, policy, flush, delete', async () => {
      const missing = await runModuleOn(t, iptables, { chain: 'KPLAY-FW', jump: 'RETURN' });
      expect(missing.failed).to.equal(true);
      expect(missing.msg).to.match(/chain_management/);
      expect((await runModuleOn(t, iptables, { chain: 'KPLAY-FW', chain_management: true, jump: 'RETURN' })).changed).to.equal(true);
      expect((await runModuleOn(t, iptables, { chain: 'KPLAY-FW', chain_management: true, jump: 'RETURN' })).changed).to.equal(false);
      const p = await runModuleOn(t, iptables, { chain: 'FORWARD', policy: 'DROP' });
      expect(p.changes[0]!.summary).to.equal('policy FORWARD ACCEPT → DROP');
      expect(await t.save()).to.contain(':FORWARD DROP');
      expect((await runModuleOn(t, iptables, { chain: 'FORWARD', policy: 'DROP' })).changed).to.equal(false);
      const f = await runModuleOn(t, iptables, { chain: 'KPLAY-FW', flush: true });
      expect(f.changes[0]!.summary).to.equal('flush KPLAY-FW (1 rules)');
      const d = await runModuleOn(t, iptables, { chain: 'KPLAY-FW', chain_management: true, state: 'absent' });
      expect(d.changes[0]!.summary).to.match(/delete chain KPLAY-FW/);
      expect(await t.save()).not.to.contain('KPLAY-FW');
    });

    it('handles ip6tables', async () => {
      const args = { ip_version: 'ipv6', chain: 'INPUT', source: '2001:DB8::5/64', protocol: 'tcp', destination_port: 22, jump: 'ACCEPT' };
      expect((await runModuleOn(t, iptables, args)).changed).to.equal(true);
      expect((await runModuleOn(t, iptables, args)).changed).to.equal(false);
      expect(await t.save('filter', true)).to.contain('-A INPUT -s 2001:db8::/64 -p tcp -m tcp --dport 22 -j ACCEPT');
    });

    it('iptables_ruleset owns listed chains atomically and leaves the others alone', async () => {
      await t.exec('iptables -w -N KUBE-FOREIGN && iptables -w -A KUBE-FOREIGN -j RETURN');
      const args = {
        chains: [
          { name: 'KPLAY-IN', rules: ['--source 10.0.0.1 -p tcp -m tcp --dport 6443 -m comment --comment "kube apiserver" -j ACCEPT', '-p udp -m udp --dport 8472 -j ACCEPT'] },
          { name: 'INPUT', policy: 'ACCEPT', rules: ['-j KPLAY-IN'] },
        ],
      };
      const before = await t.save();
      const c = await runModuleOn(t, iptablesRuleset, args, { check: true });
      expect(c.changed).to.equal(true);
      expect(await t.save()).to.equal(before);
      expect(c.changes[0]!.diff!.after).to.contain('-A KPLAY-IN -s 10.0.0.1/32 -p tcp -m tcp --dport 6443 -m comment --comment "kube apiserver" -j ACCEPT');
      const r = await runModuleOn(t, iptablesRuleset, args);
      expect(r.failed, r.msg).to.equal(false);
      const after = await t.save();
      expect(after.split('\n').filter((l) => l.startsWith('-A INPUT'))).to.deep.equal(['-A INPUT -j KPLAY-IN']);
      expect(after).to.contain('-A KUBE-FOREIGN -j RETURN');
      const again = await runModuleOn(t, iptablesRuleset, args);
      expect(again.changed, JSON.stringify(again.changes)).to.equal(false);
      const fewer = await runModuleOn(t, iptablesRuleset, { chains: [{ name: 'KPLAY-IN', rules: ['-p udp -m udp --dport 8472 -j ACCEPT'] }] });
      expect(fewer.changes[0]!.summary).to.match(/KPLAY-IN \+0 -1/);
      const bad = await runModuleOn(t, iptablesRuleset, { chains: [{ name: 'KPLAY-IN', rules: ['-j NO-SUCH-CHAIN'] }] });
      expect(bad.failed).to.equal(true);
      expect(await t.save()).to.contain('-A KPLAY-IN -p udp -m udp --dport 8472 -j ACCEPT');
    });
  });
}
