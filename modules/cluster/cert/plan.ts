/** The cert module's plan: pure, from what pki_dir and the host hold to the changes. */
import { controllerOp, type Change, type Op, type Plan } from '../../api.ts';
import type { StatInfo } from '../../facts/stat.ts';
import type { CertInfo, CertSpec } from '../pki/x509.ts';
import { contentDifferences, newKeyNeeded, reissueReasons, subjectText, type KeySpec } from './compare.ts';
import { issueAction, type ControllerFacts, type IssueJob } from './controller.ts';
import type { CertArgs } from './schema.ts';
import type { CertFiles } from './spec.ts';

export interface HostFileFacts {
  stat: StatInfo;
  sha?: string;
}

export interface CertState {
  now: string;
  files: CertFiles;
  spec: CertSpec;
  key: KeySpec;
  renewBeforeMs: number;
  controller: ControllerFacts;
  /**
   * The earlier task of this run that creates the signing CA (its certificate and key), from the
   * controller's ledger: check mode on a fresh controller plans the leaf after it.
   */
  caAfter?: string;
  host?: { dir: StatInfo; cert: HostFileFacts; key?: HostFileFacts };
}

export function describeCert(c: CertInfo): string {
  return [
    `subject: ${subjectText(c.subject)}`,
    `issuer: ${subjectText(c.issuer)}`,
    `dns: ${c.dns.join(', ') || '-'}`,
    `ip: ${c.ips.join(', ') || '-'}`,
    `usages: ${[...c.keyUsage, ...c.extKeyUsage].join(', ')}`,
    `ca: ${c.isCa}`,
    `key: ${c.key.algorithm} ${c.key.bits}`,
    `not after: ${c.notAfter}`,
    '',
  ].join('\n');
}

function describeSpec(s: CertSpec, issuer: string, key: KeySpec, now: string): string {
  return [
    `subject: ${subjectText(s.subject)}`,
    `issuer: ${issuer}`,
    `dns: ${s.dns.join(', ') || '-'}`,
    `ip: ${s.ips.join(', ') || '-'}`,
    `usages: ${[...s.keyUsage, ...s.extKeyUsage].join(', ')}`,
    `ca: ${s.isCa}`,
    `key: ${key.algorithm} ${key.bits}`,
    `not after: ${new Date(Date.parse(now) + s.validityMs).toISOString().replace(/\.\d+Z$/, '.000Z')} (about)`,
    '',
  ].join('\n');
}

const mode4 = (m: string): string => m.padStart(4, '0');

function hostFileOk(h: HostFileFacts | undefined, controllerSha: string | undefined, mode: string, a: CertArgs): boolean {
  if (!h || !h.stat.exists || h.stat.type !== 'file' || h.sha !== controllerSha) return false;
  if (h.stat.mode !== mode4(mode)) return false;
  if (a.owner && h.stat.owner !== a.owner) return false;
  if (a.group && h.stat.group !== a.group) return false;
  return true;
}

export function planCert(s: CertState, a: CertArgs, check: boolean): Plan {
  const changes: Change[] = [];
  const warnings: string[] = [];
  const c = s.controller;
  const job: IssueJob = { kind: a.kind, files: s.files, spec: s.spec, key: s.key, renewBeforeMs: s.renewBeforeMs };
  const issueOp = (describe: string): Op => controllerOp(issueAction, job, describe);
  let certChanges = false;
  let keyChanges = false;

  if (a.kind === 'ca') {
    if (c.cert.present) {
      if (!c.cert.info) return { changes: [], failed: `CA ${s.files.cert} is unreadable (${c.cert.error}); refusing to replace an existing CA` };
      const diffs = contentDifferences(c.cert.info, s.spec);
      if (diffs.length > 0) {
        const msg = `CA ${s.files.cert} exists and differs from the arguments (${diffs.join('; ')}); a CA is never regenerated`;
        if (a.on_ca_mismatch === 'fail') return { changes: [], failed: msg };
        warnings.push(msg);
      }
      if (!c.key.present) warnings.push(`CA key ${s.files.key} is missing: certificates cannot be signed with this CA`);
    } else {
      keyChanges = newKeyNeeded(c, s.key);
      certChanges = true;
      changes.push({
        summary: `create CA ${s.files.cert} (${subjectText(s.spec.subject)})${keyChanges ? '' : ', existing key'}`,
        ops: [issueOp(`create CA ${s.files.cert}`)],
        diff: { path: s.files.cert, before: '', after: describeSpec(s.spec, subjectText(s.spec.subject), s.key, s.now) },
        effects: [{ kind: 'path', path: s.files.cert, state: 'file', on: 'controller' }],
      });
    }
  } else if (a.kind === 'cert') {
    const ca = c.ca!;
    const caReady = ca.cert.present && ca.keyPresent;
    // check mode predicts the real run: the CA must exist, or an earlier task of this run create it
    if (!caReady && !(check && s.caAfter)) {
      const missing = !ca.cert.present ? s.files.caCert : s.files.caKey;
      return { changes: [], failed: `CA ${a.ca ?? 'ca'} not found: ${missing} is missing (create it first with kind: ca)` };
    }
    if (ca.cert.present && !ca.cert.info) return { changes: [], failed: `CA ${s.files.caCert} is unreadable (${ca.cert.error})` };
    const reasons = caReady ? reissueReasons({ ...c, now: s.now }, s.spec, s.key, s.renewBeforeMs) : c.cert.present ? ['CA not created yet'] : ['missing'];
    if (reasons.length > 0) {
      certChanges = true;
      keyChanges = newKeyNeeded(c, s.key);
      const issuer = ca.cert.present && ca.cert.info ? subjectText(ca.cert.info.subject) : `(CA ${a.ca ?? 'ca'}, not created yet)`;
      changes.push({
        summary: `${c.cert.present ? 're-issue' : 'issue'} ${s.files.cert}: ${reasons.join('; ')}`,
        ops: [issueOp(`issue ${s.files.cert}`)],
        diff: {
          path: s.files.cert,
          before: c.cert.present && c.cert.info ? describeCert(c.cert.info) : '',
          after: describeSpec(s.spec, issuer, s.key, s.now),
        },
        effects: [{ kind: 'path', path: s.files.cert, state: 'file', on: 'controller' }],
        ...(!caReady ? { after: s.caAfter ?? `CA ${a.ca ?? 'ca'} is created first` } : {}),
      });
    }
  } else {
    if (c.key.present && !c.key.info) return { changes: [], failed: `${s.files.key} exists but is not a readable key (${c.key.error}); not replacing it` };
    keyChanges = !c.key.present;
    if (c.key.info && (c.key.info.bits !== s.key.bits || c.key.info.algorithm !== s.key.algorithm)) {
      warnings.push(`${s.files.key} is ${c.key.info.algorithm} ${c.key.info.bits}, not ${s.key.algorithm} ${s.key.bits}; key pairs are never rotated by kplay`);
    }
    certChanges = keyChanges || !c.pub.present || !c.pub.info || c.pub.info.id !== c.key.info?.id;
    if (certChanges) {
      changes.push({
        summary: keyChanges ? `create key pair ${s.files.key} + ${s.files.cert}` : `write public key ${s.files.cert}`,
        ops: [issueOp(`key pair ${s.files.key}`)],
        sensitive: true,
        // the private key too: a check-mode copy of sa.key plans from it ("which an earlier task writes")
        effects: [{ kind: 'path', path: s.files.cert, state: 'file', on: 'controller' }, ...(keyChanges ? [{ kind: 'path' as const, path: s.files.key, state: 'file' as const, on: 'controller' as const }] : [])],
      });
    }
  }
  if (keyChanges && a.kind !== 'keypair') {
    changes.push({ summary: `new private key ${s.files.key} (${s.key.algorithm} ${s.key.bits})`, ops: [], sensitive: true, effects: [{ kind: 'path', path: s.files.key, state: 'file', on: 'controller' }] });
  }

  if (s.host && s.files.hostDir) {
    const h = s.host;
    if (!h.dir.exists) {
      changes.push({
        summary: `create directory ${s.files.hostDir}`,
        ops: [{ kind: 'exec', cmd: ['mkdir', '-p', s.files.hostDir] }],
        effects: [{ kind: 'path', path: s.files.hostDir, state: 'directory' }],
      });
    } else if (h.dir.type !== 'directory') {
      return { changes: [], failed: `copy_to ${s.files.hostDir} exists and is not a directory` };
    }
    const own = { ...(a.owner ? { owner: a.owner } : {}), ...(a.group ? { group: a.group } : {}) };
    const certMode = mode4(a.cert_mode ?? '0644');
    const keyMode = mode4(a.key_mode ?? '0600');
    if (certChanges || !hostFileOk(h.cert, c.certSha, certMode, a)) {
      changes.push({
        summary: `install ${s.files.cert} → ${s.files.hostCert}`,
        ops: [{ kind: 'putFile', localPath: s.files.cert, path: s.files.hostCert!, mode: certMode, ...own }],
        ...(h.cert.stat.exists && h.cert.stat.mode !== certMode && !certChanges && h.cert.sha === c.certSha ? { diff: { before: `mode ${h.cert.stat.mode}`, after: `mode ${certMode}` } } : {}),
      });
    }
    if (s.files.hostKey && (keyChanges || !hostFileOk(h.key, c.keySha, keyMode, a))) {
      changes.push({
        summary: `install key ${s.files.key} → ${s.files.hostKey} (${keyMode})`,
        ops: [{ kind: 'putFile', localPath: s.files.key, path: s.files.hostKey, mode: keyMode, ...own }],
        sensitive: true,
      });
    }
  }
  const result = {
    cert: s.files.cert,
    key: s.files.key,
    ...(s.files.hostCert ? { installed_cert: s.files.hostCert } : {}),
    ...(s.files.hostKey ? { installed_key: s.files.hostKey } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
  return { changes, result };
}
