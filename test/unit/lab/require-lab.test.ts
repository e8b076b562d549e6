/** Lab tests skip outside CI when the machine cannot run labs, and fail loudly in CI. */
import { expect } from 'chai';
import { labSupport, requireLab } from '../../support/lab.ts';

describe('lab: requireLab', () => {
  const saved = { PATH: process.env.PATH, CI: process.env.CI };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.CI === undefined) delete process.env.CI;
    else process.env.CI = saved.CI;
  });

  // a PATH without systemd-nspawn stands for a machine without it (root or not)
  const withoutTools = () => (process.env.PATH = '/nonexistent');
  const fakeMocha = () => {
    const ctx = { skipped: false, skip: () => ((ctx.skipped = true), undefined) };
    return ctx;
  };

  it('says why the machine cannot run a lab', () => {
    withoutTools();
    const s = labSupport();
    expect(s.ok).to.equal(false);
    if (!s.ok) expect(s.reason).to.match(/needs root|systemd-nspawn/);
  });

  it('skips outside CI', () => {
    withoutTools();
    delete process.env.CI;
    const ctx = fakeMocha();
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      requireLab(ctx as unknown as Mocha.Context);
    } finally {
      console.warn = warn;
    }
    expect(ctx.skipped).to.equal(true);
  });

  it('fails in CI instead of skipping', () => {
    withoutTools();
    process.env.CI = 'true';
    const ctx = fakeMocha();
    expect(() => requireLab(ctx as unknown as Mocha.Context)).to.throw(/lab tests must run in CI/);
    expect(ctx.skipped).to.equal(false);
  });
});
