/**
 * X.509 with node-forge (RSA). Keys are generated with Node's crypto (native, fast even for 4096
 * bits) and handed to forge as PEM. The profile follows cfssl: subject O… then CN, key usage
 * critical, basic constraints critical, SKI, AKI on leaves, SANs when any.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

const { pki } = forge;

export type KeyUsageName = 'digital_signature' | 'key_encipherment' | 'cert_sign' | 'crl_sign';
export type ExtKeyUsageName = 'server_auth' | 'client_auth';

export interface SubjectSpec {
  cn: string;
  o: string[];
  ou: string[];
}

/** What a certificate says, in the terms the plan compares. No key material. */
export interface CertInfo {
  subject: SubjectSpec;
  issuer: SubjectSpec;
  dns: string[];
  ips: string[];
  keyUsage: KeyUsageName[];
  extKeyUsage: ExtKeyUsageName[];
  isCa: boolean;
  notBefore: string;
  notAfter: string;
  serial: string;
  key: PublicKeyInfo;
  /** sha256 of the DER, as "AB:CD:…" like openssl's -fingerprint. */
  fingerprint: string;
}

export interface PublicKeyInfo {
  algorithm: 'rsa';
  bits: number;
  /** sha256 of the SubjectPublicKeyInfo DER, hex: matches a cert to its key. */
  id: string;
}

export interface CertSpec {
  subject: SubjectSpec;
  dns: string[];
  ips: string[];
  keyUsage: KeyUsageName[];
  extKeyUsage: ExtKeyUsageName[];
  isCa: boolean;
  validityMs: number;
}

export function generateRsaKeyPem(bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  // PKCS#1 ("RSA PRIVATE KEY"), what cfssl and kubeadm write
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

function publicKeyInfo(pub: forge.pki.rsa.PublicKey): PublicKeyInfo {
  const der = forge.asn1.toDer(pki.publicKeyToAsn1(pub)).getBytes();
  return { algorithm: 'rsa', bits: pub.n.bitLength(), id: createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex') };
}

/** The public half of a private key PEM; throws on a non-RSA or malformed key. */
export function privateKeyInfo(pem: string): PublicKeyInfo {
  const k = pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return publicKeyInfo(pki.setRsaPublicKey(k.n, k.e));
}

export function publicKeyPemOf(privatePem: string): string {
  const k = pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  return pki.publicKeyToPem(pki.setRsaPublicKey(k.n, k.e)).replace(/\r\n/g, '\n');
}

export function publicKeyPemInfo(pem: string): PublicKeyInfo {
  return publicKeyInfo(pki.publicKeyFromPem(pem) as forge.pki.rsa.PublicKey);
}

function subjectOf(attrs: forge.pki.CertificateField[]): SubjectSpec {
  const pick = (short: string): string[] => attrs.filter((a) => a.shortName === short).map((a) => String(a.value));
  return { cn: pick('CN')[0] ?? '', o: pick('O'), ou: pick('OU') };
}

/** IPv6 in its canonical compressed form, IPv4 unchanged: SAN sets compare by value, not spelling. */
export function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

export function certInfo(pem: string): CertInfo {
  const cert = pki.certificateFromPem(pem);
  const dns: string[] = [];
  const ips: string[] = [];
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value: string; ip?: string }[] } | null;
  for (const n of san?.altNames ?? []) {
    if (n.type === 2) dns.push(n.value);
    else if (n.type === 7 && n.ip) ips.push(normalizeIp(n.ip));
  }
  const ku = cert.getExtension('keyUsage') as Record<string, boolean> | null;
  const keyUsage: KeyUsageName[] = [];
  if (ku?.digitalSignature) keyUsage.push('digital_signature');
  if (ku?.keyEncipherment) keyUsage.push('key_encipherment');
  if (ku?.keyCertSign) keyUsage.push('cert_sign');
  if (ku?.cRLSign) keyUsage.push('crl_sign');
  const eku = cert.getExtension('extKeyUsage') as Record<string, boolean> | null;
  const extKeyUsage: ExtKeyUsageName[] = [];
  if (eku?.serverAuth) extKeyUsage.push('server_auth');
  if (eku?.clientAuth) extKeyUsage.push('client_auth');
  const bc = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  const der = Buffer.from(forge.asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    subject: subjectOf(cert.subject.attributes),
    issuer: subjectOf(cert.issuer.attributes),
    dns,
    ips,
    keyUsage,
    extKeyUsage,
    isCa: bc?.cA === true,
    notBefore: cert.validity.notBefore.toISOString(),
    notAfter: cert.validity.notAfter.toISOString(),
    serial: cert.serialNumber,
    key: publicKeyInfo(cert.publicKey as forge.pki.rsa.PublicKey),
    fingerprint: createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:'),
  };
}

/** Whether caPem's key signed certPem (and the issuer name matches). */
export function isSignedBy(certPem: string, caPem: string): boolean {
  try {
    const ca = pki.certificateFromPem(caPem);
    const cert = pki.certificateFromPem(certPem);
    return ca.verify(cert);
  } catch {
    return false;
  }
}

function positiveSerial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // DER INTEGER stays positive
  if (b[0] === 0) b[0] = 1; // and minimal
  return b.toString('hex');
}

function subjectAttrs(s: SubjectSpec): forge.pki.CertificateField[] {
  return [
    ...s.o.map((value) => ({ shortName: 'O', value })),
    ...s.ou.map((value) => ({ shortName: 'OU', value })),
    ...(s.cn ? [{ shortName: 'CN', value: s.cn }] : []),
  ];
}

export interface Issuer {
  certPem: string;
  keyPem: string;
}

/** Sign a certificate for keyPem; self-signed when issuer is omitted. Returns the certificate PEM. */
export function issueCertificate(spec: CertSpec, keyPem: string, now: Date, issuer?: Issuer): string {
  const key = pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = pki.createCertificate();
  cert.publicKey = pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = positiveSerial();
  // backdated like cfssl, so hosts with a slightly slow clock accept it at once
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + spec.validityMs);
  cert.setSubject(subjectAttrs(spec.subject));
  const caCert = issuer ? pki.certificateFromPem(issuer.certPem) : undefined;
  const signKey = issuer ? (pki.privateKeyFromPem(issuer.keyPem) as forge.pki.rsa.PrivateKey) : key;
  cert.setIssuer(caCert ? caCert.subject.attributes : subjectAttrs(spec.subject));
  const ku = new Set(spec.keyUsage);
  const eku = new Set(spec.extKeyUsage);
  const extensions: object[] = [
    {
      name: 'keyUsage',
      critical: true,
      digitalSignature: ku.has('digital_signature'),
      keyEncipherment: ku.has('key_encipherment'),
      keyCertSign: ku.has('cert_sign'),
      cRLSign: ku.has('crl_sign'),
    },
  ];
  if (eku.size > 0) extensions.push({ name: 'extKeyUsage', serverAuth: eku.has('server_auth'), clientAuth: eku.has('client_auth') });
  extensions.push({ name: 'basicConstraints', critical: true, cA: spec.isCa });
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (caCert) {
    const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
    const id = ski?.subjectKeyIdentifier
      ? forge.util.hexToBytes(ski.subjectKeyIdentifier)
      : pki.getPublicKeyFingerprint(caCert.publicKey, { type: 'RSAPublicKey' }).getBytes();
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: id });
  }
  if (spec.dns.length + spec.ips.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      altNames: [...spec.dns.map((value) => ({ type: 2, value })), ...spec.ips.map((ip) => ({ type: 7, ip }))],
    });
  }
  cert.setExtensions(extensions);
  cert.sign(signKey, forge.md.sha256.create());
  return pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}
