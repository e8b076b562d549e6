/** secret_key's controller actions: the writes its plans name (applied by the executor, never in check mode). */
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { defineAction } from '../../api.ts';
import { readIfExists, withLock, writeFileAtomic } from '../pki/files.ts';

/** Write `key` (or a new random key when absent) unless the file exists; fail if it holds another key. */
export const writeKeyAction = defineAction<{ path: string; key?: string; size: number }, void>({
  name: 'secret_key.write',
  run: ({ path, key, size }) =>
    withLock(path, async () => {
      const now = await readIfExists(path);
      if (now !== undefined) {
        if (key !== undefined && now.trim() !== key) throw new Error(`${path} appeared meanwhile with another key: different keys on different hosts`);
        return;
      }
      await writeFileAtomic(path, `${key ?? randomBytes(size).toString('base64')}\n`, 0o600);
    }),
});

export const chmodKeyAction = defineAction<{ path: string }, void>({ name: 'secret_key.chmod', run: ({ path }) => chmod(path, 0o600) });
