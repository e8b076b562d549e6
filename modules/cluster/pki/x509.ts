/**
 * X.509 for the cluster PKI. node-forge builds the TBSCertificate (names, validity, extensions) and
 * parses certificates; Node's crypto makes and reads the keys and signs, because forge knows only
 * RSA. Certificates with an ECDSA key are handled by swapping the SubjectPublicKeyInfo: forge
 * builds (or parses) the structure around a placeholder RSA key, and the real one is put in its
 * place. The profile follows cfssl: subject O… then CN, key usage critical, basic constraints
 * critical, SKI, AKI on leaves, SANs when any.
 */
import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';

// node-forge takes 25–45 ms to load: only runs that issue or read certificates pay for it
const requireCjs = createRequire(import.meta.url);
let forgeLib: typeof Forge | undefined;
function forge(): typeof Forge {
  return (forgeLib ??= requireCjs('node-forge') as typeof Forge);
}

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

export type KeyAlgorithm = 'rsa' | 'ecdsa';

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm;
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

const CURVES: Record<number, string> = { 256: 'prime256v1', 384: 'secp384r1' };
const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** A new private key PEM: RSA as PKCS#1 ("RSA PRIVATE KEY"), ECDSA as SEC1 ("EC PRIVATE KEY"), as cfssl and kubeadm write them. */
export function generateKeyPem(algorithm: KeyAlgorithm, bits: number): string {
  if (algorithm === 'ecdsa') {
    const curve = CURVES[bits];
    if (!curve) throw new Error(`ECDSA keys are 256 or 384 bits, not ${bits}`);
    return generateKeyPairSync('ec', { namedCurve: curve }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

const spkiDer = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });

function publicKeyInfo(pub: KeyObject): PublicKeyInfo {
  const d = pub.asymmetricKeyDetails ?? {};
  const type = pub.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') throw new Error(`unsupported key type ${type}`);
  return {
    algorithm: type === 'rsa' ? 'rsa' : 'ecdsa',
    bits: type === 'rsa' ? (d.modulusLength ?? 0) : (CURVE_BITS[d.namedCurve ?? ''] ?? 0),
    id: createHash('sha256').update(spkiDer(pub)).digest('hex'),
  };
}

/** The public half of a private key PEM (RSA or ECDSA); throws on a malformed key. */
export function privateKeyInfo(pem: string): PublicKeyInfo {
  return publicKeyInfo(createPublicKey(createPrivateKey(pem)));
}

export function publicKeyPemOf(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }).toString();
}

export function publicKeyPemInfo(pem: string): PublicKeyInfo {
  return publicKeyInfo(createPublicKey(pem));
}

/** A syntactically valid RSA SubjectPublicKeyInfo for forge to carry until the real key replaces it. */
let placeholder: { key: Forge.pki.rsa.PublicKey; spki: Forge.asn1.Asn1 } | undefined;
function placeholderKey(): { key: Forge.pki.rsa.PublicKey; spki: Forge.asn1.Asn1 } {
  if (!placeholder) {
    const { pki, jsbn } = forge();
    const key = pki.setRsaPublicKey(new jsbn.BigInteger('65537'), new jsbn.BigInteger('65537'));
    placeholder = { key, spki: pki.publicKeyToAsn1(key) };
  }
  return placeholder;
}

/** Index of subjectPublicKeyInfo in a TBSCertificate (after the optional [0] version). */
function spkiIndex(tbs: Forge.asn1.Asn1): number {
  const first = (tbs.value as Forge.asn1.Asn1[])[0]!;
  return first.tagClass === forge().asn1.Class.CONTEXT_SPECIFIC ? 6 : 5;
}

function parseForge(pem: string): Forge.pki.Certificate {
  const obj = forge().asn1.fromDer(forge().pem.decode(pem).find((m) => m.type === 'CERTIFICATE')?.body ?? '');
  const tbs = (obj.value as Forge.asn1.Asn1[])[0]!;
  (tbs.value as Forge.asn1.Asn1[])[spkiIndex(tbs)] = placeholderKey().spki;
  return forge().pki.certificateFromAsn1(obj);
}

function subjectOf(attrs: Forge.pki.CertificateField[]): SubjectSpec {
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
  const cert = parseForge(pem);
  const x = new X509Certificate(pem);
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
    key: publicKeyInfo(x.publicKey),
    fingerprint: x.fingerprint256,
  };
}

/** Whether caPem's key signed certPem and the issuer name matches. */
export function isSignedBy(certPem: string, caPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem);
    const cert = new X509Certificate(certPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
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

function subjectAttrs(s: SubjectSpec): Forge.pki.CertificateField[] {
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

const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_ECDSA_SHA384 = '1.2.840.10045.4.3.3';

function algorithmIdentifier(signer: KeyObject): { asn: Forge.asn1.Asn1; hash: 'sha256' | 'sha384' } {
  const { asn1 } = forge();
  if (signer.asymmetricKeyType === 'ec') {
    const p384 = signer.asymmetricKeyDetails?.namedCurve === 'secp384r1';
    // ECDSA AlgorithmIdentifiers have no parameters (RFC 5758)
    return { asn: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(p384 ? OID_ECDSA_SHA384 : OID_ECDSA_SHA256).getBytes())]), hash: p384 ? 'sha384' : 'sha256' };
  }
  return {
    asn: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(OID_SHA256_RSA).getBytes()),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
    ]),
    hash: 'sha256',
  };
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(pub: KeyObject): string {
  const spki = forge().asn1.fromDer(forge().util.createBuffer(spkiDer(pub).toString('binary')));
  const bits = (spki.value as Forge.asn1.Asn1[])[1]!.value as string; // first byte: unused bits (0)
  return createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest('binary');
}

/** Sign a certificate for keyPem (RSA or ECDSA); self-signed when issuer is omitted. Returns the certificate PEM. */
export function issueCertificate(spec: CertSpec, keyPem: string, now: Date, issuer?: Issuer): string {
  const { asn1, pki } = forge();
  const subjectKey = createPrivateKey(keyPem);
  const subjectPub = createPublicKey(subjectKey);
  const signKey = issuer ? createPrivateKey(issuer.keyPem) : subjectKey;
  const cert = pki.createCertificate();
  cert.publicKey = placeholderKey().key;
  cert.serialNumber = positiveSerial();
  // backdated like cfssl, so hosts with a slightly slow clock accept it at once
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + spec.validityMs);
  cert.setSubject(subjectAttrs(spec.subject));
  const caCert = issuer ? parseForge(issuer.certPem) : undefined;
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
  extensions.push({ name: 'subjectKeyIdentifier', value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, keyIdentifier(subjectPub)) });
  if (caCert) {
    const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
    const id = ski?.subjectKeyIdentifier ? forge().util.hexToBytes(ski.subjectKeyIdentifier) : keyIdentifier(createPublicKey(issuer!.certPem));
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: id });
  }
  if (spec.dns.length + spec.ips.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      altNames: [...spec.dns.map((value) => ({ type: 2, value })), ...spec.ips.map((ip) => ({ type: 7, ip }))],
    });
  }
  cert.setExtensions(extensions);
  const alg = algorithmIdentifier(signKey);
  cert.siginfo.algorithmOid = OID_SHA256_RSA; // replaced below; forge needs a known one to build the TBS
  // getTBSCertificate exists in node-forge but is missing from @types/node-forge
  const tbs = (pki as unknown as { getTBSCertificate(c: Forge.pki.Certificate): Forge.asn1.Asn1 }).getTBSCertificate(cert);
  const parts = tbs.value as Forge.asn1.Asn1[];
  parts[2] = alg.asn;
  parts[spkiIndex(tbs)] = asn1.fromDer(forge().util.createBuffer(spkiDer(subjectPub).toString('binary')));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign(alg.hash, tbsDer, signKey);
  const certAsn = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    alg.asn,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\0${signature.toString('binary')}`),
  ]);
  return forge().pem.encode({ type: 'CERTIFICATE', body: asn1.toDer(certAsn).getBytes() }).replace(/\r\n/g, '\n');
}
