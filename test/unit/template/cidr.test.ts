import { expect } from 'chai';
import { cidrContains, cidrHost, cidrNetwork, cidrOverlap, ipAddr, ipWrap } from '../../../engine/template/cidr.ts';

describe('template cidr helpers', () => {
  it('cidr_host: the first service IP, the cluster DNS IP, from the end, IPv6', () => {
    expect(cidrHost('10.96.0.0/12', 1)).to.equal('10.96.0.1');
    expect(cidrHost('10.96.0.0/12', 10)).to.equal('10.96.0.10');
    expect(cidrHost('10.233.0.0/18', 3)).to.equal('10.233.0.3');
    expect(cidrHost('10.96.0.0/12', -2)).to.equal('10.111.255.254');
    expect(cidrHost('fd00:10:96::/108', 1)).to.equal('fd00:10:96::1');
    expect(cidrHost('2001:db8::/64', 0x10000)).to.equal('2001:db8::1:0');
    expect(() => cidrHost('10.0.0.0/30', 4)).to.throw(/outside/);
    expect(() => cidrHost('10.0.0/8', 1)).to.throw(/not an IP address/);
  });
  it('cidr_overlap and cidr_contains compare networks, not strings', () => {
    expect(cidrOverlap('10.96.0.0/12', '10.244.0.0/16')).to.equal(false);
    expect(cidrOverlap('10.96.0.0/12', '10.100.0.0/16')).to.equal(true);
    expect(cidrOverlap('10.0.0.0/8', '10.244.0.0/16')).to.equal(true);
    expect(cidrOverlap('10.0.0.0/8', 'fd00::/8')).to.equal(false);
    expect(cidrContains('198.18.0.0/24', '198.18.0.11')).to.equal(true);
    expect(cidrContains('198.18.0.0/24', '198.18.1.11')).to.equal(false);
    expect(cidrContains('10.244.0.0/16', '10.244.3.0/24')).to.equal(true);
  });
  it('cidr_network drops host bits; ipwrap brackets IPv6 only', () => {
    expect(cidrNetwork('198.18.0.11/24')).to.equal('198.18.0.0/24');
    expect(cidrNetwork('fd00::5/64')).to.equal('fd00::/64');
    expect(ipWrap('fd00::1')).to.equal('[fd00::1]');
    expect(ipWrap('10.0.0.1')).to.equal('10.0.0.1');
    expect(ipAddr('10.0.0.1')).to.equal('10.0.0.1');
    expect(ipAddr('10.0.0.0/8')).to.equal('10.0.0.0/8');
    expect(ipAddr('cp1.example.org')).to.equal(false);
  });
});
