/**
 * cert: the cluster PKI on the controller (CAs, leaf certificates, the service-account key pair),
 * optionally installed on the host. Keys never leave pki_dir except through copy_to, never appear
 * in a diff, summary or result, and are written 0600 atomically.
 */
import { isAbsolute, resolve } from 'node:path';
import { defineModule } from '../../api.ts';
import { runProbes } from '../../facts/batch.ts';
import { checksum } from '../../facts/checksum.ts';
import { stat } from '../../facts/stat.ts';
import { issueAction, loadController } from './controller.ts';
import { planCert, type CertState } from './plan.ts';
import { CertArgs } from './schema.ts';
import { certFiles, desiredSpec, keyAlgorithm, keyBits, renewBeforeMs } from './spec.ts';

export const cert = defineModule({
  name: 'cert',
  schema: CertArgs,
  doc: {
    short: 'Create CAs, certificates and key pairs in the controller PKI (node-forge), optionally install them on hosts',
    description: [
      'Files in pki_dir use cfssl names: NAME.pem (certificate) and NAME-key.pem (key, 0600); `kind: keypair` writes NAME.key + NAME.pub (kubeadm sa.key/sa.pub).',
      'A CA is created once and never regenerated, even when the arguments change (a warning, or a failure with on_ca_mismatch: fail).',
      'A certificate is re-issued only when missing, when its subject, SAN set or usages differ, when it was not signed by the current CA, when it expires within renew_before, or when its key does not match; the key is kept across re-issues.',
      'The profile matches cfssl: keyUsage digitalSignature+keyEncipherment (critical), extKeyUsage from usages, basicConstraints CA:FALSE (critical), SKI/AKI, SANs; subject O… then CN.',
      'Several hosts issuing the same file at once are serialized: the first issues it, the others find it done.',
    ].join('\n'),
    examples: [
      '- cert: { kind: ca, name: ca, common_name: kubernetes-ca }',
      '- cert:',
      '    kind: cert',
      '    name: apiserver',
      '    common_name: kube-apiserver',
      '    usages: [server_auth]',
      '    dns_names: [kubernetes, kubernetes.default, "kubernetes.default.svc.{{dns_domain}}"]',
      '    ip_addresses: [127.0.0.1, 10.96.0.1]',
      '    copy_to: /etc/kubernetes/pki',
      '    cert_file: apiserver.crt',
      '    key_file: apiserver.key',
      '- cert: { kind: keypair, name: sa, copy_to: /etc/kubernetes/pki }',
    ].join('\n'),
    notes: ['RSA and ECDSA (P-256, P-384) keys: keys and signatures use Node\'s crypto, node-forge builds the certificate structure.', 'Runs on the controller: use it with run_once/delegate_to localhost unless copy_to installs files on each host.'],
  },
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    if (a.kind !== 'keypair' && !a.common_name) errs.push({ key: 'common_name', message: `common_name is required for kind ${a.kind}` });
    if (a.kind === 'cert' && !a.name) errs.push({ key: 'name', message: 'name is required for kind cert' });
    if (a.kind === 'cert' && !a.usages?.some((u) => u === 'server_auth' || u === 'client_auth')) {
      errs.push({ key: 'usages', message: 'usages must include server_auth and/or client_auth for kind cert' });
    }
    if (a.kind !== 'cert' && (a.dns_names?.length || a.ip_addresses?.length)) errs.push({ key: 'dns_names', message: `SANs make no sense for kind ${a.kind}` });
    if (a.kind !== 'cert' && a.ca) errs.push({ key: 'ca', message: 'ca is only for kind cert' });
    if (a.kind === 'ca' && a.key_file) errs.push({ key: 'key_file', message: 'the CA key is never installed on hosts' });
    const ecdsa = a.key_algorithm === 'ecdsa';
    if (a.key_size !== undefined && ecdsa !== (a.key_size === 256 || a.key_size === 384)) {
      errs.push({ key: 'key_size', message: ecdsa ? 'ecdsa keys are 256 or 384 bits' : 'rsa keys are 2048, 3072 or 4096 bits' });
    }
    return errs;
  },
  actions: [issueAction],
  async read(ctx, a): Promise<CertState> {
    const dir = a.pki_dir ?? ctx.controller.pkiDir;
    const pkiDir = isAbsolute(dir) ? dir : resolve(ctx.controller.playbookDir, dir);
    const files = certFiles(a, pkiDir);
    const [controller, host] = await Promise.all([
      loadController(a.kind, files),
      files.hostDir
        ? runProbes(ctx, {
            dir: stat(files.hostDir),
            certStat: stat(files.hostCert!),
            certSha: checksum(files.hostCert!),
            ...(files.hostKey ? { keyStat: stat(files.hostKey), keySha: checksum(files.hostKey) } : {}),
          })
        : undefined,
    ]);
    // The CA's files are controller files, which an earlier task of the run (on any host) may
    // write: check mode plans after it only if every missing part is written by one.
    const plannedBy = (p: string | undefined) => (p ? ctx.controllerFile(p).plannedBy : undefined);
    const ca = controller.ca;
    const missing = ca ? [...(ca.cert.present ? [] : [files.caCert]), ...(ca.keyPresent ? [] : [files.caKey])] : [];
    const by = missing.map(plannedBy);
    const caAfter = missing.length > 0 && by.every((b) => b !== undefined) ? by[0] : undefined;
    return {
      now: new Date().toISOString(),
      files,
      spec: desiredSpec(a),
      key: { algorithm: keyAlgorithm(a), bits: keyBits(a) },
      renewBeforeMs: renewBeforeMs(a),
      controller,
      ...(caAfter ? { caAfter } : {}),
      ...(host
        ? {
            host: {
              dir: host.dir,
              cert: { stat: host.certStat, ...(host.certSha ? { sha: host.certSha } : {}) },
              ...(host.keyStat ? { key: { stat: host.keyStat, ...(host.keySha ? { sha: host.keySha } : {}) } } : {}),
            },
          }
        : {}),
    };
  },
  plan(state, a, pc) {
    return planCert(state, a, pc.check);
  },
});
