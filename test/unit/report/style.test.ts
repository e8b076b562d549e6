import { expect } from 'chai';
import { colorEnabled, createStyler, visibleLength } from '../../../engine/report/style.ts';
import { Capture } from './capture.ts';

describe('style', () => {
  it('colours a TTY unless NO_COLOR or TERM=dumb; FORCE_COLOR wins over no TTY', () => {
    const tty = new Capture({ columns: 80 });
    const pipe = new Capture();
    expect(colorEnabled(tty, {})).to.equal(true);
    expect(colorEnabled(pipe, {})).to.equal(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' })).to.equal(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).to.equal(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).to.equal(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).to.equal(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '0' })).to.equal(false);
    expect(colorEnabled(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).to.equal(false);
  });

  it('measures text without its colour codes', () => {
    const style = createStyler(true);
    expect(visibleLength(style('ok', 'ok=1'))).to.equal(4);
    expect(createStyler(false)('ok', 'ok=1')).to.equal('ok=1');
  });
});
