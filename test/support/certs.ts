/** Throwaway CA and leaf certificates for TLS tests (uri with mTLS), made with node-forge. */
import forge from 'node-forge';

export interface TestCert {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

/** A self-signed CA without issuer; with issuer, a server+client leaf (IP SAN when ip is given). */
export function testCert(cn: string, issuer?: TestCert, ip?: string): TestCert {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const c = forge.pki.createCertificate();
  c.publicKey = keys.publicKey;
  c.serialNumber = String(Math.floor(Math.random() * 1e9));
  c.validity.notBefore = new Date(Date.now() - 60_000);
  c.validity.notAfter = new Date(Date.now() + 3600_000);
  c.setSubject([{ name: 'commonName', value: cn }]);
  c.setIssuer(issuer ? issuer.cert.subject.attributes : [{ name: 'commonName', value: cn }]);
  c.setExtensions(
    issuer
      ? [{ name: 'subjectAltName', altNames: ip ? [{ type: 7, ip }] : [] }, { name: 'extKeyUsage', serverAuth: true, clientAuth: true }]
      : [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true }],
  );
  c.sign(issuer ? issuer.key : keys.privateKey, forge.md.sha256.create());
  return { cert: c, key: keys.privateKey, certPem: forge.pki.certificateToPem(c), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}
