import { expect } from 'chai';
import { batches } from '../../../engine/executor/play-runner.ts';

describe('serial batches', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  it('no serial: one batch', () => expect(batches(hosts, undefined)).to.deep.equal([hosts]));
  it('a number', () => expect(batches(hosts, [2])).to.deep.equal([['a', 'b'], ['c', 'd'], ['e']]));
  it('a percentage (rounded down, at least 1)', () => expect(batches(hosts, ['40%'])).to.deep.equal([['a', 'b'], ['c', 'd'], ['e']]));
  it('a list: the last size repeats', () => expect(batches(hosts, [1, '50%'])).to.deep.equal([['a'], ['b', 'c'], ['d', 'e']]));
  it('a tiny percentage still makes progress', () => expect(batches(hosts, ['1%'])).to.have.length(5));
});
