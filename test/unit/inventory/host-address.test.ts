import { expect } from 'chai';
import { KplayError } from '../../../engine/errors.ts';
import { expandHostRanges, MAX_RANGE_HOSTS, parseHostSpec } from '../../../engine/inventory/host-address.ts';

describe('inventory: host specs and ranges', () => {
  it('expands numeric ranges inclusively', () => {
    expect(expandHostRanges('node[1:3]')).to.deep.equal(['node1', 'node2', 'node3']);
  });
  it('keeps zero padding', () => {
    expect(expandHostRanges('node[01:10]')).to.have.length(10);
    expect(expandHostRanges('node[08:10]')).to.deep.equal(['node08', 'node09', 'node10']);
  });
  it('expands letters and strides, and several ranges in one name', () => {
    expect(expandHostRanges('db-[a:c].lan')).to.deep.equal(['db-a.lan', 'db-b.lan', 'db-c.lan']);
    expect(expandHostRanges('n[1:10:3]')).to.deep.equal(['n1', 'n4', 'n7', 'n10']);
    expect(expandHostRanges('r[1:2]c[a:b]')).to.deep.equal(['r1ca', 'r1cb', 'r2ca', 'r2cb']);
  });
  it('treats an empty start as 0', () => {
    expect(expandHostRanges('h[:2]')).to.deep.equal(['h0', 'h1', 'h2']);
  });
  it('rejects bad ranges', () => {
    for (const bad of ['h[1]', 'h[3:1]', 'h[01:100]', 'h[1:]', 'h[a:3]', 'h[1:2', 'h[1:3:0]']) {
      expect(() => expandHostRanges(bad), bad).to.throw(KplayError, /bad host range/);
    }
  });
  it('refuses a range over the host limit before expanding it', () => {
    for (const big of ['h[1:1000][1:1000]', 'h[1:99999999999999999999]', 'h[a:z][A:Z][0:99]']) {
      expect(() => expandHostRanges(big), big).to.throw(KplayError, new RegExp(`a host line may expand to at most ${MAX_RANGE_HOSTS}`));
    }
    expect(expandHostRanges(`h[1:${MAX_RANGE_HOSTS}]`)).to.have.length(MAX_RANGE_HOSTS);
    expect(expandHostRanges('h[1:100][1:100]')).to.have.length(10_000);
    expect(() => expandHostRanges('h[1:100][1:101]')).to.throw(/it stands for 10100 hosts/);
  });
  it('splits host:port but not ranges or IPv6', () => {
    expect(parseHostSpec('web1:2222')).to.deep.equal({ pattern: 'web1', port: 2222 });
    expect(parseHostSpec('web[1:3]')).to.deep.equal({ pattern: 'web[1:3]' });
    expect(parseHostSpec('web[1:3]:2222')).to.deep.equal({ pattern: 'web[1:3]', port: 2222 });
    expect(parseHostSpec('fe80::1')).to.deep.equal({ pattern: 'fe80::1' });
    expect(parseHostSpec('[2001:db8::1]:22')).to.deep.equal({ pattern: '2001:db8::1', port: 22 });
    expect(parseHostSpec('10.0.0.1:22')).to.deep.equal({ pattern: '10.0.0.1', port: 22 });
  });
  it('rejects a non-numeric or out-of-range port', () => {
    expect(() => parseHostSpec('web1:ssh')).to.throw(KplayError, /port/);
    expect(() => parseHostSpec('web1:70000')).to.throw(KplayError, /port/);
  });
});
