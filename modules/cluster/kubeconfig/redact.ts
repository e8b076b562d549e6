/**
 * A kubeconfig as it may be shown: embedded certificates become their subject and fingerprint,
 * keys their public-key id, tokens and passwords a short hash. Works line by line, so it redacts
 * files written by kubectl or by hand as well as ours.
 */
import { createHash } from 'node:crypto';
import { certInfo, privateKeyInfo } from '../pki/x509.ts';
import { subjectText } from '../cert/compare.ts';

const SECRET_LINE = /^(\s*-?\s*)(certificate-authority-data|client-certificate-data|client-key-data|token|password)(\s*:\s*)(.*)$/;

const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

function unquote(v: string): string {
  const t = v.trim();
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t;
    }
  }
  return t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1).replace(/''/g, "'") : t;
}

function describeCertData(b64: string): string {
  const pem = Buffer.from(b64, 'base64').toString('utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return `<not a certificate, sha256 ${shortHash(b64)}>`;
  return blocks
    .map((b) => {
      try {
        const i = certInfo(b);
        return `<certificate ${subjectText(i.subject)}, sha256 ${i.fingerprint.slice(0, 23)}…, not after ${i.notAfter}>`;
      } catch {
        return `<certificate, sha256 ${shortHash(b)}>`;
      }
    })
    .join(' ');
}

function describeKeyData(b64: string): string {
  try {
    return `<private key redacted; public key ${privateKeyInfo(Buffer.from(b64, 'base64').toString('utf8')).id.slice(0, 16)}>`;
  } catch {
    return '<private key redacted>';
  }
}

export function redactKubeconfig(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = SECRET_LINE.exec(line);
      if (!m) return line;
      const [, lead, key, sep, raw] = m as unknown as [string, string, string, string, string];
      const v = unquote(raw);
      let shown: string;
      if (key === 'certificate-authority-data' || key === 'client-certificate-data') shown = describeCertData(v);
      else if (key === 'client-key-data') shown = describeKeyData(v);
      // a token is random enough for a short hash to say "changed" safely; a password may not be
      else shown = key === 'token' ? `<token redacted, sha256 ${shortHash(v)}…>` : '<password redacted>';
      return `${lead}${key}${sep}${shown}`;
    })
    .join('\n');
}
