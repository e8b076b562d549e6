/**
 * Secrets by kind (issue 18): private keys and kubeconfig credentials are masked wherever they turn
 * up, without anyone registering them: diffs, results, messages, lists of lines, base64.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { createRedactor, maskByKind, MASK } from '../../../engine/report/redact.ts';
import type { RunEvent } from '../../../engine/report/events.ts';

const { privateKey: PKCS8 } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const { privateKey: RSA } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const OPENSSH = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBzZ1RkXw5Vx3KPLAYtESTzzzzzzzzzzzzzzzzzzzzzzzzzAAAAJgAAAAA',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

/** Lines of a key's body (what must never be printed). */
const bodyLines = (pem: string) => pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));

function leaks(text: string, ...pems: string[]): string[] {
  return pems.flatMap(bodyLines).filter((l) => text.includes(l));
}

describe('redactor: secrets by kind', () => {
  it('masks PEM and OpenSSH private key bodies, keeping the markers', () => {
    for (const pem of [PKCS8, RSA, OPENSSH]) {
      const out = maskByKind(`before\n${pem}\nafter`);
      expect(leaks(out, pem)).to.deep.equal([]);
      expect(out).to.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(out).to.include('before\n').and.to.include('\nafter');
    }
  });

  it('masks a key in a unified diff, JSON-escaped, cut short, and in base64', () => {
    const diff = RSA.split('\n').map((l) => `+${l}`).join('\n');
    expect(leaks(maskByKind(diff), RSA)).to.deep.equal([]);
    expect(leaks(maskByKind(JSON.stringify({ k: PKCS8 })), PKCS8)).to.deep.equal([]);
    const cut = RSA.split('\n').slice(0, 4).join('\n');
    expect(leaks(maskByKind(cut), RSA)).to.deep.equal([]);
    const b64 = Buffer.from(RSA).toString('base64');
    expect(maskByKind(`tls.key: ${b64}`)).to.equal(`tls.key: ${MASK}`);
    // a certificate is not a secret
    const cert = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk\n-----END CERTIFICATE-----\n').toString('base64');
    expect(maskByKind(`ca: ${cert}`)).to.equal(`ca: ${cert}`);
  });

  it('masks kubeconfig credentials (client-key-data, token, password), not the rest of the file', () => {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- cluster: {server: "https://10.0.0.1:6443"}',
      'users:',
      '- name: admin',
      '  user:',
      `    client-key-data: ${Buffer.from(RSA).toString('base64')}`,
      '    token: abcdef.0123456789abcdef',
      '    password: hunter2hunter2',
    ].join('\n');
    const out = maskByKind(kubeconfig);
    expect(out).not.to.include('0123456789abcdef');
    expect(out).not.to.include('hunter2hunter2');
    expect(out).to.include(`client-key-data: ${MASK}`);
    expect(out).to.include('server: "https://10.0.0.1:6443"');
    // outside a kubeconfig, a "token:" word is left alone
    expect(maskByKind('initial-cluster-token: etcd-cluster-1 and more text')).to.equal('initial-cluster-token: etcd-cluster-1 and more text');
  });

  it('an event: the key found in one field is masked in every other field and in later events', () => {
    const r = createRedactor();
    const e = {
      type: 'host_result',
      host: 'h1',
      task: 't',
      module: 'command',
      status: 'ok',
      changes: [],
      durationMs: 1,
      time: 0,
      result: { stdout: PKCS8, stdout_lines: PKCS8.split('\n') },
    } as unknown as RunEvent;
    const masked = JSON.stringify(r.event(e));
    expect(leaks(masked, PKCS8)).to.deep.equal([]);
    // later, one body line alone (a grep of the key) is still masked
    const line = bodyLines(PKCS8)[1]!;
    expect(r.text(`found: ${line}`)).to.equal(`found: ${MASK}`);
  });

  it('a list of key lines without the joined text is masked', () => {
    const r = createRedactor();
    const out = r.value({ lines: RSA.split('\n') });
    expect(leaks(JSON.stringify(out), RSA)).to.deep.equal([]);
  });
});
