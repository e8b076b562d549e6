/**
 * Per-host record of the effects planned or applied so far in this run. In check mode nothing is
 * written, so a later task that reads a path an earlier task would create consults this instead
 * of failing ("would change, after: <earlier task>").
 */
import { dirname } from 'node:path/posix';
import type { Effect, Ledger, LedgerEntry, Op } from '../../modules/api.ts';

export class HostLedger implements Ledger {
  private readonly entries = new Map<string, LedgerEntry>();

  path(path: string): LedgerEntry | undefined {
    return this.entries.get(path);
  }

  record(effect: Effect, by: string): void {
    this.entries.set(effect.path, { ...effect, by });
    if (effect.state !== 'absent') {
      // a file implies its parent directories exist
      for (let d = dirname(effect.path); d !== '/' && d !== '.' && !this.entries.has(d); d = dirname(d)) {
        this.entries.set(d, { path: d, state: 'directory', by });
      }
    }
  }

  /** The effects an op implies by itself; modules declare the rest in Change.effects. */
  static effectsOf(op: Op): Effect[] {
    switch (op.kind) {
      case 'put':
        return [{ path: op.path, state: 'file', content: op.content, ...(op.mode ? { mode: op.mode } : {}), ...ownership(op) }];
      case 'putFile':
        return [{ path: op.path, state: 'file', ...(op.mode ? { mode: op.mode } : {}), ...ownership(op) }];
      case 'remove':
        return [{ path: op.path, state: 'absent' }];
      default:
        return [];
    }
  }
}

function ownership(op: { owner?: string; group?: string }): { owner?: string; group?: string } {
  return { ...(op.owner !== undefined ? { owner: op.owner } : {}), ...(op.group !== undefined ? { group: op.group } : {}) };
}
