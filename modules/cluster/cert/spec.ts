/** From the module's arguments to the certificate it should produce and the files it lives in. Pure. */
import { join } from 'node:path';
import { durationMs } from '../pki/duration.ts';
import { normalizeIp, type CertSpec, type ExtKeyUsageName, type KeyAlgorithm, type KeyUsageName } from '../pki/x509.ts';
import type { CertArgs } from './schema.ts';

export const DEFAULT_CA_VALIDITY = '87600h';
export const DEFAULT_CERT_VALIDITY = '8760h';
export const DEFAULT_RENEW_BEFORE = '30d';

export interface CertFiles {
  /** Controller paths. For keypair: cert = NAME.pub, key = NAME.key. */
  cert: string;
  key: string;
  caCert?: string;
  caKey?: string;
  /** Host paths when copy_to is set. */
  hostDir?: string;
  hostCert?: string;
  hostKey?: string;
}

export function entityName(a: CertArgs): string {
  return a.name ?? (a.kind === 'ca' ? 'ca' : a.kind === 'keypair' ? 'sa' : '');
}

export function certFiles(a: CertArgs, pkiDir: string): CertFiles {
  const name = entityName(a);
  const keypair = a.kind === 'keypair';
  const files: CertFiles = {
    cert: join(pkiDir, keypair ? `${name}.pub` : `${name}.pem`),
    key: join(pkiDir, keypair ? `${name}.key` : `${name}-key.pem`),
  };
  if (a.kind === 'cert') {
    const ca = a.ca ?? 'ca';
    files.caCert = join(pkiDir, `${ca}.pem`);
    files.caKey = join(pkiDir, `${ca}-key.pem`);
  }
  if (a.copy_to) {
    files.hostDir = a.copy_to;
    files.hostCert = join(a.copy_to, a.cert_file ?? (keypair ? `${name}.pub` : `${name}.pem`));
    // a CA's key never leaves the controller
    if (a.kind !== 'ca') files.hostKey = join(a.copy_to, a.key_file ?? (keypair ? `${name}.key` : `${name}-key.pem`));
  }
  return files;
}

const uniqSorted = (xs: string[]): string[] => [...new Set(xs)].sort();

export function desiredSpec(a: CertArgs): CertSpec {
  const isCa = a.kind === 'ca';
  const usages = new Set(a.usages ?? []);
  // a CA like `cfssl gencert -initca`: Certificate Sign, CRL Sign (kubeadm adds Digital Signature; both work)
  const keyUsage: KeyUsageName[] = isCa ? ['cert_sign', 'crl_sign'] : ['digital_signature', 'key_encipherment'];
  const extKeyUsage: ExtKeyUsageName[] = isCa ? [] : (['server_auth', 'client_auth'] as const).filter((u) => usages.has(u));
  return {
    subject: { cn: a.common_name ?? '', o: a.organization ?? [], ou: a.organizational_unit ?? [] },
    dns: uniqSorted(a.dns_names ?? []),
    ips: uniqSorted((a.ip_addresses ?? []).map(normalizeIp)),
    keyUsage,
    extKeyUsage,
    isCa,
    validityMs: durationMs(a.validity ?? (isCa ? DEFAULT_CA_VALIDITY : DEFAULT_CERT_VALIDITY)),
  };
}

export function keyAlgorithm(a: CertArgs): KeyAlgorithm {
  return a.key_algorithm ?? 'rsa';
}

export function keyBits(a: CertArgs): number {
  return a.key_size ?? (keyAlgorithm(a) === 'ecdsa' ? 256 : 2048);
}

export function renewBeforeMs(a: CertArgs): number {
  return durationMs(a.renew_before ?? DEFAULT_RENEW_BEFORE);
}
