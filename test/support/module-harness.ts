/**
 * Runs one module on one transport the way the executor does (read → plan → apply), for module
 * tests on localhost or on real lab hosts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyModule, Vars } from '../../modules/api.ts';
import type { BecomeSpec, Transport } from '../../engine/transport/transport.ts';
import { createModuleContext } from '../../engine/executor/module-context.ts';
import { HostLedger } from '../../engine/executor/ledger.ts';
import { runModule, type ModuleOutcome } from '../../engine/executor/run-module.ts';

export interface HarnessOptions {
  check?: boolean;
  diff?: boolean;
  vars?: Vars;
  become?: BecomeSpec;
  ledger?: HostLedger;
  playbookDir?: string;
  rolePath?: string;
  pkiDir?: string;
  cacheDir?: string;
}

export async function runModuleOn(t: Transport, module: AnyModule, args: Vars, o: HarnessOptions = {}): Promise<ModuleOutcome> {
  const ledger = o.ledger ?? new HostLedger();
  const scratch = mkdtempSync(join(tmpdir(), 'kplay-harness-'));
  const ctx = createModuleContext({
    host: t.host,
    transport: t,
    vars: o.vars ?? {},
    check: o.check ?? false,
    diff: o.diff ?? true,
    ...(o.become ? { become: o.become } : {}),
    ledger,
    controller: {
      playbookDir: o.playbookDir ?? scratch,
      inventoryDir: scratch,
      pkiDir: o.pkiDir ?? join(scratch, 'pki'),
      cacheDir: o.cacheDir ?? join(scratch, 'cache'),
    },
    ...(o.rolePath ? { rolePath: o.rolePath } : {}),
    taskName: `${module.name} test`,
  });
  return runModule({ module, args, ctx, transport: t, ledger, taskName: `${module.name} test`, check: o.check ?? false });
}
