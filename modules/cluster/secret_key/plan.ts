/** secret_key's plan: pure, from what the controller and the host hold to the changes. */
import { controllerOp, type Change, type Plan } from '../../api.ts';
import { chmodKeyAction, writeKeyAction } from './actions.ts';
import type { SecretKeyArgs } from './schema.ts';

export interface SecretKeyState {
  path: string;
  size: number;
  controller: { exists: boolean; sha?: string; valid?: boolean; mode?: string };
  /** An earlier task of this run writes the controller file (check mode). */
  controllerAfter?: string;
  /** The key found in recover_from on the host (secret: only in the op, never in a result). */
  host?: { path: string; exists: boolean; key?: string; sha?: string; error?: string };
}

export function planSecretKey(s: SecretKeyState, a: SecretKeyArgs): Plan {
  const changes: Change[] = [];
  const c = s.controller;
  const h = s.host;
  const result = { path: s.path, ...(h ? { recover_from: h.path, found_on_host: h.exists && h.key !== undefined } : {}) };
  if (h?.error) return { changes, failed: `${h.path} on the host: ${h.error}` };
  if (c.exists) {
    if (!c.valid) return { changes, failed: `${s.path} exists but is not the base64 of ${s.size} bytes; not replacing a key` };
    if (h?.sha !== undefined && h.sha !== c.sha) {
      return {
        changes,
        failed: `the key ${a.recover_key ?? 'key1'} in ${h.path} on the host differs from the controller's ${s.path}: different keys on different hosts; refusing to continue (restore the right key by hand)`,
      };
    }
    if (c.mode !== '0600') {
      changes.push({ summary: `mode ${c.mode} → 0600 on ${s.path}`, ops: [controllerOp(chmodKeyAction, { path: s.path }, `chmod 0600 ${s.path}`)] });
    }
    return { changes, result: { ...result, source: 'controller' } };
  }
  if (h?.key !== undefined) {
    const key = h.key;
    changes.push({
      summary: `recover the key from the host's ${h.path} into ${s.path} (the controller lost it)${s.controllerAfter ? ', compared with the one an earlier task writes' : ''}`,
      ops: [controllerOp(writeKeyAction, { path: s.path, key, size: s.size }, `write ${s.path}`)],
      sensitive: true,
      effects: [{ kind: 'path', path: s.path, state: 'file', mode: '0600', on: 'controller' }],
    });
    return { changes, result: { ...result, source: 'host' } };
  }
  if (s.controllerAfter) return { changes, result: { ...result, source: 'controller' } };
  if (a.create === false) return { changes, result: { ...result, source: 'none' } };
  changes.push({
    summary: `create ${s.path} (${s.size} random bytes, base64, 0600)`,
    ops: [controllerOp(writeKeyAction, { path: s.path, size: s.size }, `write ${s.path}`)],
    sensitive: true,
    effects: [{ kind: 'path', path: s.path, state: 'file', mode: '0600', on: 'controller' }],
  });
  return { changes, result: { ...result, source: 'created' } };
}
