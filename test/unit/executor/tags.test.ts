import { expect } from 'chai';
import { tagsSelect } from '../../../engine/executor/tags.ts';

describe('tag selection', () => {
  const cases: [string[], string[], string[], boolean][] = [
    [[], [], [], true],
    [['a'], [], [], true],
    [['never'], [], [], false],
    [['never', 'debug'], ['debug'], [], true],
    [['always'], ['other'], [], true],
    [['always'], [], ['always'], false],
    [['always'], [], ['all'], true],
    [['a'], ['b'], [], false],
    [['a', 'b'], ['b'], [], true],
    [['a'], ['tagged'], [], true],
    [[], ['tagged'], [], false],
    [[], ['untagged'], [], true],
    [['a'], ['untagged'], [], false],
    [['a'], [], ['a'], false],
    [['a'], ['all'], ['a'], false],
    [[], [], ['untagged'], false],
    [['a'], [], ['tagged'], false],
  ];
  for (const [tags, only, skip, want] of cases) {
    it(`tags ${JSON.stringify(tags)} with --tags ${JSON.stringify(only)} --skip-tags ${JSON.stringify(skip)} → ${want}`, () => {
      expect(tagsSelect(tags, only, skip)).to.equal(want);
    });
  }
});
