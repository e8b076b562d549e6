/**
 * secret_key: a random symmetric key kept in the controller PKI (the secrets-encryption key),
 * created once and never replaced; when the controller lost it, read back from a host's
 * EncryptionConfiguration instead of making a new one. The key never appears in a diff, summary
 * or result.
 */
import { createHash } from 'node:crypto';
import { stat as fsStat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { defineModule } from '../../api.ts';
import { chmodKeyAction, writeKeyAction } from './actions.ts';
import { runProbes } from '../../facts/batch.ts';
import { fileContent } from '../../facts/content.ts';
import { readIfExists } from '../pki/files.ts';
import { planSecretKey, type SecretKeyState } from './plan.ts';
import { SecretKeyArgs } from './schema.ts';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The base64 text of a key of `size` bytes, or undefined. */
export function validKey(text: string, size: number): string | undefined {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, 'base64').length === size ? t : undefined;
}

/** The secret of the key named `name` in an EncryptionConfiguration (any provider, any resource). */
export function keyFromEncryptionConfig(text: string, name: string): string | undefined {
  if (text.trim() === '') return undefined;
  const doc = yaml.load(text) as { resources?: { providers?: Record<string, { keys?: { name?: string; secret?: string }[] }>[] }[] } | undefined;
  for (const r of doc?.resources ?? []) {
    for (const p of r.providers ?? []) {
      for (const v of Object.values(p ?? {})) {
        const k = v?.keys?.find((x) => x?.name === name);
        if (k && typeof k.secret === 'string') return k.secret.trim();
      }
    }
  }
  return undefined;
}

export const secretKey = defineModule({
  name: 'secret_key',
  schema: SecretKeyArgs,
  doc: {
    short: 'Keep a random key (the secrets-encryption key) in the controller PKI: created once, recovered from a host when lost',
    description: [
      'The file holds one line, the base64 of `size` random bytes (default 32), mode 0600, written atomically; it is never replaced.',
      'recover_from names an EncryptionConfiguration on the host: when the controller has no key, the key named recover_key (default key1) is read back from it (Kubespray\'s encrypt-at-rest); when both exist and differ, the task fails.',
      'Run it delegated to each control plane with create: false, then once on the controller to create the key when no host had one.',
      'The key never appears in any output: changes are sensitive, the result holds the path only.',
    ].join('\n'),
    examples: [
      '- secret_key: { path: secrets-encryption.key, recover_from: /etc/kubernetes/pki/encryption-config.yaml, create: false }',
      '  delegate_to: "{{item}}"',
      '  loop: "{{groups.kube_control_plane}}"',
      '- secret_key: { path: secrets-encryption.key }',
    ].join('\n'),
  },
  actions: [writeKeyAction, chmodKeyAction],
  async read(ctx, a): Promise<SecretKeyState> {
    const dir = a.pki_dir ?? ctx.controller.pkiDir;
    const pkiDir = isAbsolute(dir) ? dir : resolve(ctx.controller.playbookDir, dir);
    const path = isAbsolute(a.path) ? a.path : resolve(pkiDir, a.path);
    const size = a.size ?? 32;
    const [text, mode, host] = await Promise.all([
      readIfExists(path),
      fsStat(path).then((s) => (s.mode & 0o7777).toString(8).padStart(4, '0'), () => undefined),
      a.recover_from ? runProbes(ctx, { content: fileContent(a.recover_from, 1024 * 1024) }) : undefined,
    ]);
    const key = text !== undefined ? validKey(text, size) : undefined;
    const after = ctx.controllerFile(path).plannedBy;
    let hostState: SecretKeyState['host'];
    if (a.recover_from && host) {
      const c = host.content;
      if (!c.exists) hostState = { path: a.recover_from, exists: false };
      else if (!('content' in c)) hostState = { path: a.recover_from, exists: true, error: 'too big for an EncryptionConfiguration' };
      else {
        let found: string | undefined;
        let error: string | undefined;
        try {
          found = keyFromEncryptionConfig(c.content.toString('utf8'), a.recover_key ?? 'key1');
        } catch {
          error = 'not readable YAML';
        }
        if (found !== undefined && validKey(found, size) === undefined) error = `key ${a.recover_key ?? 'key1'} is not the base64 of ${size} bytes`;
        hostState = error
          ? { path: a.recover_from, exists: true, error }
          : { path: a.recover_from, exists: true, ...(found !== undefined ? { key: found, sha: sha256(found) } : {}) };
      }
    }
    return {
      path,
      size,
      controller: { exists: text !== undefined, ...(key ? { sha: sha256(key), valid: true } : { valid: false }), ...(mode ? { mode } : {}) },
      ...(after && text === undefined ? { controllerAfter: after } : {}),
      ...(hostState ? { host: hostState } : {}),
    };
  },
  plan(state, a) {
    return planSecretKey(state, a);
  },
});
