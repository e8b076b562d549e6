/**
 * kplay's own sources, for the architecture tests that read them (layering, read-only reads, no
 * ledger in modules), and the read context a module sees, built as the executor builds it.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadContext } from '../../modules/api.ts';
import { createModuleContext } from '../../engine/executor/module-context.ts';
import { HostLedger } from '../../engine/executor/ledger.ts';
import { LocalTransport } from '../../engine/transport/local.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every TypeScript source below dir (relative to ROOT), declaration files left out. */
export function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** A check-mode read context on localhost, with the run's ledgers handed in as the executor does. */
export function localReadContext(): ReadContext {
  return createModuleContext({
    host: 'localhost',
    transport: new LocalTransport('localhost'),
    vars: {},
    check: true,
    diff: false,
    ledger: new HostLedger(),
    controllerLedger: new HostLedger(),
    controller: { playbookDir: ROOT, inventoryDir: ROOT, pkiDir: ROOT, cacheDir: ROOT },
  });
}
