/**
 * A kubeconfig as it may be shown: embedded certificates become their subject and fingerprint,
 * keys their public-key id, tokens and passwords a short hash. Works line by line, so it redacts
 * files written by kubectl or by hand as well as ours.
 */
import { createHash } from 'node:crypto';
import { certInfo, privateKeyInfo } from '../pki/x509.ts';
import { subjectText } from '../cert/compare.ts';

/** Keys whose values are shown differently: certificates described, anything secret-sounding redacted (auth-provider id-token, client-secret …). */
const SECRET_LINE = /^(\s*-?\s*)("?[A-Za-z0-9_-]*(?:certificate-authority-data|client-certificate-data|key-data|token|secret|password|passwd|credential)[A-Za-z0-9_-]*"?)(\s*:[ \t]*)(\S.*)$/i;

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
  const out: string[] = [];
  // indentation of a secret's block scalar (`token: |`) whose lines are being dropped
  let blockIndent: number | undefined;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    if (blockIndent !== undefined) {
      if (line.trim() === '' || indent > blockIndent) continue;
      blockIndent = undefined;
    }
    const m = SECRET_LINE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const [, lead, key, sep, raw] = m as unknown as [string, string, string, string, string];
    const name = key.replace(/"/g, '').toLowerCase();
    if (/^[|>]/.test(raw.trim())) {
      blockIndent = indent;
      out.push(`${lead}${key}${sep}<${name} redacted>`);
      continue;
    }
    const v = unquote(raw);
    let shown: string;
    if (name === 'certificate-authority-data' || name === 'client-certificate-data') shown = describeCertData(v);
    else if (name === 'client-key-data') shown = describeKeyData(v);
    // a token is random enough for a short hash to say "changed" safely; a password may not be
    else shown = name === 'token' ? `<token redacted, sha256 ${shortHash(v)}…>` : `<${name} redacted>`;
    out.push(`${lead}${key}${sep}${shown}`);
  }
  return out.join('\n');
}
