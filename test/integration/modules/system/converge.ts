/**
 * The module test every system module passes, locally and on lab hosts: check mode writes nothing
 * and predicts exactly the changes of the real run; a second run changes nothing.
 */
import { expect } from 'chai';
import type { AnyModule, Vars } from '../../../../modules/api.ts';
import { sh } from '../../../../engine/transport/quote.ts';
import type { Transport } from '../../../../engine/transport/transport.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModuleOn, type HarnessOptions } from '../../../support/module-harness.ts';
import type { ModuleOutcome } from '../../../../engine/executor/run-module.ts';

/** A listing of the file system parts a module may touch, with mode, size and mtime. */
export async function snapshot(t: Transport, roots: string[], units = false): Promise<string> {
  const files = sh`for d in ${roots}; do [ -e "$d" ] && find "$d" -xdev -printf '%p %m %s %u %g %T@ %l\n'; done | sort`;
  const unitList = '(systemctl list-units --all --no-legend --plain 2>/dev/null; systemctl list-unit-files --no-legend 2>/dev/null) | sort';
  const r = await t.exec(units ? `${files}; ${unitList}` : files);
  return r.stdout;
}

export interface ConvergeResult {
  check: ModuleOutcome;
  first: ModuleOutcome;
  second: ModuleOutcome;
}

/** check run (nothing written, same summaries as the real run), real run, second run (no change). */
export async function converge(t: Transport, mod: AnyModule, args: Vars, roots: string[], o: HarnessOptions & { units?: boolean } = {}): Promise<ConvergeResult> {
  const before = await snapshot(t, roots, o.units);
  const check = await runModuleOn(t, mod, args, { ...o, check: true, ledger: o.ledger ?? new HostLedger() });
  expect(check.failed, `check: ${check.msg}`).to.equal(false);
  expect(await snapshot(t, roots, o.units), 'check mode wrote something').to.equal(before);
  const first = await runModuleOn(t, mod, args, o);
  expect(first.failed, `first run: ${first.msg}`).to.equal(false);
  expect(first.changed, `first run changes (check planned ${JSON.stringify(check.changes.map((c) => c.summary))})`).to.equal(true);
  expect(check.changes.map((c) => c.summary), 'check predicts the real run').to.deep.equal(first.changes.map((c) => c.summary));
  expect(check.changed).to.equal(true);
  const second = await runModuleOn(t, mod, args, o);
  expect(second.failed, `second run: ${second.msg}`).to.equal(false);
  expect(second.changes.map((c) => c.summary), 'second run changes nothing').to.deep.equal([]);
  expect(second.changed).to.equal(false);
  return { check, first, second };
}
