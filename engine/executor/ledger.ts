/**
 * Per-host record of the effects planned or applied so far in this run. In check mode nothing is
 * written, so a later task that reads a path an earlier task would create consults this instead
 * of failing ("would change, after: <earlier task>").
 */
import { dirname } from 'node:path/posix';
import type { ChainEffect, Effect, Ledger, LedgerEntry, Op, PathEffect } from '../../modules/api.ts';

type ChainEntry = ChainEffect & { by: string };

export class HostLedger implements Ledger {
  private readonly paths = new Map<string, LedgerEntry>();
  private readonly chains = new Map<string, ChainEntry>();

  /** `dir/` and `dir` are one path: a task may spell it either way. */
  path(path: string): LedgerEntry | undefined {
    return this.paths.get(key(path));
  }

  chain(family: ChainEffect['family'], table: string, chain: string): ChainEntry | undefined {
    return this.chains.get(`${family}/${table}/${chain}`);
  }

  record(effect: Effect, by: string): void {
    if (effect.kind === 'chain') {
      this.chains.set(`${effect.family}/${effect.table}/${effect.chain}`, { ...effect, by });
      return;
    }
    this.paths.set(key(effect.path), { ...effect, by });
    if (effect.state !== 'absent') {
      // a file implies its parent directories exist
      for (let d = dirname(effect.path); d !== '/' && d !== '.' && !this.paths.has(d); d = dirname(d)) {
        this.paths.set(d, { kind: 'path', path: d, state: 'directory', by });
      }
    }
  }

  /** The effects an op implies by itself; modules declare the rest in Change.effects. */
  static effectsOf(op: Op): PathEffect[] {
    switch (op.kind) {
      case 'put':
        return [{ kind: 'path', path: op.path, state: 'file', content: op.content, ...(op.mode ? { mode: op.mode } : {}), ...ownership(op) }];
      case 'putFile':
        return [{ kind: 'path', path: op.path, state: 'file', source: op.localPath, ...(op.mode ? { mode: op.mode } : {}), ...ownership(op) }];
      case 'remove':
        return [{ kind: 'path', path: op.path, state: 'absent' }];
      default:
        return [];
    }
  }
}

function ownership(op: { owner?: string; group?: string }): { owner?: string; group?: string } {
  return { ...(op.owner !== undefined ? { owner: op.owner } : {}), ...(op.group !== undefined ? { group: op.group } : {}) };
}

function key(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}
