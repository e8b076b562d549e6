/** Why an existing certificate no longer matches what is asked for (PKI idempotency rules, §5.4). Pure. */
import type { CertInfo, CertSpec, KeyAlgorithm, PublicKeyInfo, SubjectSpec } from '../pki/x509.ts';

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};

export function subjectText(s: SubjectSpec): string {
  return [...s.o.map((o) => `O=${o}`), ...s.ou.map((o) => `OU=${o}`), `CN=${s.cn}`].join(', ');
}

/** Differences between a certificate and a spec in subject, SANs and usages (what a CA mismatch warns about too). */
export function contentDifferences(info: CertInfo, want: CertSpec): string[] {
  const why: string[] = [];
  if (info.subject.cn !== want.subject.cn || !sameSet(info.subject.o, want.subject.o) || !sameSet(info.subject.ou, want.subject.ou)) {
    why.push(`subject ${subjectText(info.subject)} → ${subjectText(want.subject)}`);
  }
  if (!sameSet(info.dns, want.dns)) why.push(`DNS names ${info.dns.join(',') || '(none)'} → ${want.dns.join(',') || '(none)'}`);
  if (!sameSet(info.ips, want.ips)) why.push(`IP addresses ${info.ips.join(',') || '(none)'} → ${want.ips.join(',') || '(none)'}`);
  // a CA's key usage varies by tool (cfssl, kubeadm, openssl) and does not matter for signing
  if (!want.isCa && (!sameSet(info.keyUsage, want.keyUsage) || !sameSet(info.extKeyUsage, want.extKeyUsage))) {
    why.push(`usages ${[...info.keyUsage, ...info.extKeyUsage].join(',')} → ${[...want.keyUsage, ...want.extKeyUsage].join(',')}`);
  }
  if (info.isCa !== want.isCa) why.push(`CA ${info.isCa} → ${want.isCa}`);
  return why;
}

export interface LeafFacts {
  cert: { present: boolean; info?: CertInfo; error?: string };
  key: { present: boolean; info?: PublicKeyInfo; error?: string };
  /** The current CA's key signed this certificate. */
  signedByCa: boolean;
  now: string;
}

/** Reasons to (re)issue a leaf certificate; empty when the one on disk is right. */
export function reissueReasons(f: LeafFacts, want: CertSpec, key: KeySpec, renewBeforeMs: number): string[] {
  if (!f.cert.present) return ['missing'];
  if (!f.cert.info) return [`unreadable certificate (${f.cert.error ?? 'parse error'})`];
  const info = f.cert.info;
  const why = contentDifferences(info, want);
  if (!f.signedByCa) why.push('not signed by the current CA');
  const left = Date.parse(info.notAfter) - Date.parse(f.now);
  if (left <= renewBeforeMs) why.push(left <= 0 ? `expired ${info.notAfter}` : `expires ${info.notAfter}`);
  if (newKeyNeeded(f, key)) why.push(f.key.present ? 'key does not fit' : 'key missing');
  else if (f.key.present && f.key.info && f.key.info.id !== info.key.id) why.push('key does not match the certificate');
  return why;
}

/** A new key is made only when there is none usable; otherwise the key stays across re-issues (§5.4 rule 3). */
export function newKeyNeeded(f: Pick<LeafFacts, 'key'>, key: KeySpec): boolean {
  return !f.key.present || !f.key.info || f.key.info.bits !== key.bits || f.key.info.algorithm !== key.algorithm;
}

export interface KeySpec {
  algorithm: KeyAlgorithm;
  bits: number;
}
