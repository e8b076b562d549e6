/** openssl and cfssl helpers for the PKI tests (run on the controller). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

export interface X509Fields {
  subject: string;
  issuer: string;
  sans: string[];
  keyUsage: string;
  extKeyUsage: string;
  basicConstraints: string;
  publicKey: string;
  signature: string;
}

/** The fields both cfssl and kplay must agree on, from `openssl x509 -text`. */
export function x509Fields(pemPath: string): X509Fields {
  const subject = openssl('x509', '-in', pemPath, '-noout', '-subject', '-nameopt', 'RFC2253').replace(/^subject=/, '').trim();
  const issuer = openssl('x509', '-in', pemPath, '-noout', '-issuer', '-nameopt', 'RFC2253').replace(/^issuer=/, '').trim();
  const ext = (name: string): string => {
    try {
      return openssl('x509', '-in', pemPath, '-noout', '-ext', name).split('\n').slice(1).join(' ').replace(/\s+/g, ' ').trim();
    } catch {
      return '';
    }
  };
  const sanText = ext('subjectAltName');
  const text = openssl('x509', '-in', pemPath, '-noout', '-text');
  return {
    subject,
    issuer,
    sans: sanText ? sanText.split(', ').sort() : [],
    keyUsage: ext('keyUsage'),
    extKeyUsage: ext('extendedKeyUsage'),
    basicConstraints: ext('basicConstraints'),
    publicKey: `${/Public Key Algorithm: (\S+)/.exec(text)?.[1] ?? ''} ${/\((\d+) bit\)/.exec(text)?.[1] ?? ''}`,
    signature: /Signature Algorithm: (\S+)/.exec(text)?.[1] ?? '',
  };
}

export interface CsrJson {
  CN: string;
  O?: string[];
  hosts?: string[];
  key?: { algo: 'rsa' | 'ecdsa'; size: number };
}

/** `cfssl gencert` with a server/client/peer profile like §5.1; writes DIR/NAME.pem. */
export function cfsslGencert(dir: string, caName: string, name: string, csr: CsrJson, profile: 'server' | 'client' | 'peer'): string {
  const config = {
    signing: {
      default: { expiry: '8760h' },
      profiles: {
        server: { usages: ['signing', 'digital signature', 'key encipherment', 'server auth'], expiry: '8760h' },
        client: { usages: ['signing', 'digital signature', 'key encipherment', 'client auth'], expiry: '8760h' },
        peer: { usages: ['signing', 'digital signature', 'key encipherment', 'server auth', 'client auth'], expiry: '8760h' },
      },
    },
  };
  writeFileSync(join(dir, 'ca-config.json'), JSON.stringify(config));
  const csrJson = { CN: csr.CN, key: csr.key ?? { algo: 'rsa', size: 2048 }, names: (csr.O ?? []).map((O) => ({ O })), hosts: csr.hosts ?? [] };
  writeFileSync(join(dir, `${name}-csr.json`), JSON.stringify(csrJson));
  const out = execFileSync(
    'cfssl',
    ['gencert', `-ca=${join(dir, `${caName}.pem`)}`, `-ca-key=${join(dir, `${caName}-key.pem`)}`, `-config=${join(dir, 'ca-config.json')}`, `-profile=${profile}`, join(dir, `${name}-csr.json`)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, (JSON.parse(out) as { cert: string }).cert);
  return path;
}

/** `cfssl gencert -initca`; writes DIR/NAME.pem. */
export function cfsslInitca(dir: string, name: string, csr: CsrJson): string {
  const csrJson = { CN: csr.CN, key: csr.key ?? { algo: 'rsa', size: 2048 }, names: (csr.O ?? []).map((O) => ({ O })) };
  writeFileSync(join(dir, `${name}-csr.json`), JSON.stringify(csrJson));
  const out = execFileSync('cfssl', ['gencert', '-initca', join(dir, `${name}-csr.json`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, (JSON.parse(out) as { cert: string }).cert);
  return path;
}
