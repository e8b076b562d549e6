/**
 * kubeconfig: a kubeconfig with embedded CA, client certificate and key (or a token), rendered from
 * the controller PKI and written on the host 0600. The diff shows certificates as subjects and
 * fingerprints; key and token never appear.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { dirname } from 'node:path/posix';
import { defineModule, type ReadContext } from '../../api.ts';
import { runProbes } from '../../facts/batch.ts';
import { fileContent } from '../../facts/content.ts';
import { stat } from '../../facts/stat.ts';
import { statPlanned } from '../../facts/planned-stat.ts';
import { readIfExists } from '../pki/files.ts';
import { planKubeconfig, type KubeconfigState } from './plan.ts';
import { KubeconfigArgs } from './schema.ts';

const isPem = (s: string): boolean => s.includes('-----BEGIN ');
const isName = (s: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) && !/\.(pem|crt|key)$/.test(s);

/** PEM text of a material argument, or the controller path that is missing. */
async function material(v: string, pkiDir: string, suffix: string): Promise<{ pem?: string; path: string }> {
  if (isPem(v)) return { pem: v.endsWith('\n') ? v : `${v}\n`, path: '(inline)' };
  const path = isName(v) ? join(pkiDir, `${v}${suffix}`) : isAbsolute(v) ? v : join(pkiDir, v);
  const pem = await readIfExists(path);
  return pem === undefined ? { path } : { pem, path };
}

function pkiDirOf(ctx: ReadContext, a: KubeconfigArgs): string {
  const dir = a.pki_dir ?? ctx.controller.pkiDir;
  return isAbsolute(dir) ? dir : resolve(ctx.controller.playbookDir, dir);
}

export const kubeconfig = defineModule({
  name: 'kubeconfig',
  schema: KubeconfigArgs,
  doc: {
    short: 'Write a kubeconfig with embedded certificates from the controller PKI',
    description: [
      'One cluster, one user and one context (the current-context), in the layout `kubectl config view` prints.',
      'ca, client_cert and client_key name files in pki_dir (cfssl names: NAME.pem, NAME-key.pem), or hold PEM data.',
      'Idempotent by content. The file is sensitive: the diff shows a redacted rendering (certificates as subject + fingerprint, the key as its public-key id, a token as a short hash).',
    ].join('\n'),
    examples: [
      '- kubeconfig:',
      '    path: /etc/kubernetes/admin.conf',
      '    server: https://127.0.0.1:6443',
      '    client_cert: admin',
      '    user: kubernetes-admin',
      '    context: kubernetes-admin@kubernetes',
    ].join('\n'),
  },
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    if (a.token && (a.client_cert || a.client_key)) errs.push({ key: 'token', message: 'token and client_cert/client_key are exclusive' });
    if (!a.token && !a.client_cert) errs.push({ key: 'client_cert', message: 'client_cert (or token) is required' });
    if (a.client_key && !a.client_cert) errs.push({ key: 'client_key', message: 'client_key needs client_cert' });
    if (a.client_cert && !a.client_key && !isName(a.client_cert)) errs.push({ key: 'client_key', message: 'client_key is required when client_cert is not a name in pki_dir' });
    return errs;
  },
  async read(ctx, a): Promise<KubeconfigState> {
    const pki = pkiDirOf(ctx, a);
    const keyArg = a.client_key ?? (a.client_cert && isName(a.client_cert) ? a.client_cert : undefined);
    const [ca, cert, key, host] = await Promise.all([
      material(a.ca ?? 'ca', pki, '.pem'),
      a.client_cert ? material(a.client_cert, pki, '.pem') : undefined,
      keyArg ? material(keyArg, pki, a.client_key ? '.pem' : '-key.pem') : undefined,
      runProbes(ctx, { file: stat(a.path), content: fileContent(a.path, 1024 * 1024), dir: statPlanned(dirname(a.path)) }),
    ]);
    const missing = [ca, cert, key].filter((m) => m && m.pem === undefined).map((m) => m!.path);
    // pki_dir files are controller files, which an earlier task (cert) may write: check mode plans
    // after it only if earlier tasks write them all
    const plannedBy = missing.map((p) => ctx.controllerFile(p).plannedBy);
    const missingAfter = missing.length > 0 && plannedBy.every((b) => b !== undefined) ? plannedBy[plannedBy.length - 1] : undefined;
    const content = host.content.exists && 'content' in host.content ? host.content.content.toString('utf8') : undefined;
    const dirPlanned = !host.dir.st.exists && host.dir.planned?.state === 'directory';
    return {
      missing,
      ...(missingAfter ? { missingAfter } : {}),
      ...(missing.length === 0
        ? {
            data: {
              cluster: a.cluster ?? 'kubernetes',
              server: a.server,
              caPem: ca.pem!,
              user: a.user ?? (a.client_cert && isName(a.client_cert) ? a.client_cert : 'default'),
              context: a.context ?? 'default',
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(cert?.pem ? { clientCertPem: cert.pem } : {}),
              ...(key?.pem ? { clientKeyPem: key.pem } : {}),
              ...(a.token ? { token: a.token } : {}),
            },
          }
        : {}),
      host: {
        file: host.file,
        ...(content !== undefined ? { content } : {}),
        dirExists: host.dir.st.exists || dirPlanned,
      },
    };
  },
  plan(state, a, pc) {
    return planKubeconfig(state, a, pc.check);
  },
});
