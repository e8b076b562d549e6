import { expect } from 'chai';
import { emptyStats } from '../../../engine/report/events.ts';
import { countRescued, countResult, formatDuration, loopStatus, recapExitCode, statsFor } from '../../../engine/report/recap.ts';
import { stats } from './events.fixture.ts';

describe('recap counting', () => {
  it('counts like Ansible: changed is also ok, an ignored failure is ok + ignored', () => {
    const s = emptyStats();
    countResult(s, { status: 'ok' });
    countResult(s, { status: 'changed' });
    countResult(s, { status: 'skipped' });
    countResult(s, { status: 'failed', ignored: true });
    countResult(s, { status: 'failed' });
    countResult(s, { status: 'unreachable' });
    expect(s).to.deep.equal(stats({ ok: 3, changed: 1, skipped: 1, ignored: 1, failed: 1, unreachable: 1 }));
    countResult(s, { status: 'failed', ignored: true, changed: true });
    expect(s).to.include({ ok: 4, changed: 2, ignored: 2 });
    countRescued(s);
    expect(s).to.include({ failed: 0, rescued: 1 });
  });

  it('folds loop items into one status', () => {
    expect(loopStatus(['ok', 'changed', 'skipped'])).to.equal('changed');
    expect(loopStatus(['ok', 'failed', 'changed'])).to.equal('failed');
    expect(loopStatus(['skipped', 'skipped'])).to.equal('skipped');
    expect(loopStatus([])).to.equal('ok');
  });

  it('creates stats on first use', () => {
    const all = {};
    statsFor(all, 'a').ok++;
    statsFor(all, 'a').ok++;
    expect(all).to.deep.equal({ a: stats({ ok: 2 }) });
  });

  it('maps a recap to the exit code', () => {
    expect(recapExitCode({ a: stats({ ok: 1 }) })).to.equal(0);
    expect(recapExitCode({ a: stats({ ok: 1, ignored: 1 }) })).to.equal(0);
    expect(recapExitCode({ a: stats({ unreachable: 1 }) })).to.equal(3);
    expect(recapExitCode({ a: stats({ unreachable: 1 }), b: stats({ failed: 1 }) })).to.equal(2);
  });

  it('formats durations', () => {
    expect(formatDuration(850)).to.equal('850ms');
    expect(formatDuration(12_400)).to.equal('12.4s');
    expect(formatDuration(187_000)).to.equal('3m 07s');
    expect(formatDuration(3_723_000)).to.equal('1h 02m 03s');
    expect(formatDuration(Number.NaN)).to.equal('0ms');
  });
});
