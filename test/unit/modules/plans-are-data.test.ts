/**
 * A plan is data: for every registered module, the plan for a fixture state holds no function and
 * survives JSON (modules/plan-json.ts: Buffers as { $buffer: base64 }) unchanged. The state is
 * what read() finds in a scratch directory on localhost (read only reads; nothing is applied).
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerActions, modules } from '../../../modules/index.ts';
import type { AnyModule, Plan, Vars } from '../../../modules/api.ts';
import { planFromJson, planToJson } from '../../../modules/plan-json.ts';
import { LocalTransport } from '../../../engine/transport/local.ts';
import { createModuleContext } from '../../../engine/executor/module-context.ts';
import { HostLedger } from '../../../engine/executor/ledger.ts';
import { planCases } from '../../fixtures/modules/plan-cases.ts';

/** Paths inside `v` that hold a function (or a class instance other than Buffer: not data either). */
function notData(v: unknown, at = 'plan'): string[] {
  if (typeof v === 'function') return [at];
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return [];
  if (Array.isArray(v)) return v.flatMap((x, i) => notData(x, `${at}[${i}]`));
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return [`${at} (${(v as object).constructor.name})`];
  return Object.entries(v).flatMap(([k, x]) => notData(x, `${at}.${k}`));
}

describe('plans are data', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-plans-'));
    mkdirSync(join(dir, 'files'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'files', 'blob.bin'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(dir, 'templates', 'plan.conf.hbs'), 'host={{inventory_hostname}}\n');
    writeFileSync(join(dir, 'vars.yml'), 'x: 1\n');
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'loose.key'), `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o644 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function planFor(m: AnyModule, args: Vars): Promise<Plan> {
    const t = new LocalTransport('localhost');
    const ctx = createModuleContext({
      host: 'localhost',
      transport: t,
      vars: { inventory_hostname: 'localhost' },
      check: true,
      diff: true,
      ledger: new HostLedger(),
      controller: { playbookDir: dir, inventoryDir: dir, pkiDir: join(dir, 'pki'), cacheDir: join(dir, 'cache') },
      taskName: `${m.name} plan`,
    });
    return m.plan(await m.read(ctx, args), args, { host: 'localhost', check: true, diff: true });
  }

  it('every module has a case', () => {
    expect(Object.keys(modules).filter((n) => !(n in planCases(dir)))).to.deep.equal([]);
  });

  const actionsSeen = new Set<string>();

  for (const name of Object.keys(modules)) {
    it(`${name}: no function in the plan, and JSON round trip keeps it`, async () => {
      const cases = planCases(dir)[name] ?? [];
      for (const args of cases) {
        const plan = await planFor(modules[name]!, args);
        expect(notData(plan), JSON.stringify(args)).to.deep.equal([]);
        expect(planFromJson(planToJson(plan)), JSON.stringify(args)).to.deep.equal(plan);
        for (const op of plan.changes.flatMap((c) => c.ops)) {
          if (op.kind !== 'controller') continue;
          expect(controllerActions.has(op.action), op.action).to.equal(true);
          actionsSeen.add(op.action);
        }
      }
    });
  }

  it('the cases reach every controller action, so the round trip covers each action\'s input', () => {
    expect([...actionsSeen].sort()).to.deep.equal([...controllerActions.keys()].sort());
  });

  it('the codec keeps a Buffer as a Buffer', () => {
    const plan: Plan = { changes: [{ summary: 's', ops: [{ kind: 'put', path: '/x', content: Buffer.from([0, 255]) }] }] };
    expect(planToJson(plan)).to.contain('"$buffer":"AP8="');
    expect(planFromJson(planToJson(plan))).to.deep.equal(plan);
  });
});
