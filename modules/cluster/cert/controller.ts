/**
 * The controller side of the cert module: what pki_dir holds (read) and the issuing itself (the
 * body of a `controller` op). Private keys are read here and go no further than forge.
 */
import { createHash } from 'node:crypto';
import { defineAction } from '../../api.ts';
import { readIfExists, withLock, writeFileAtomic } from '../pki/files.ts';
import {
  certInfo,
  generateKeyPem,
  isSignedBy,
  issueCertificate,
  privateKeyInfo,
  publicKeyPemInfo,
  publicKeyPemOf,
  type CertInfo,
  type CertSpec,
  type PublicKeyInfo,
} from '../pki/x509.ts';
import { newKeyNeeded, reissueReasons, type KeySpec } from './compare.ts';
import type { CertFiles } from './spec.ts';

export interface Loaded<T> {
  present: boolean;
  info?: T;
  error?: string;
}

export interface ControllerFacts {
  cert: Loaded<CertInfo>;
  /** kind keypair: the public key file. */
  pub: Loaded<PublicKeyInfo>;
  key: Loaded<PublicKeyInfo>;
  certSha?: string;
  keySha?: string;
  ca?: { cert: Loaded<CertInfo>; keyPresent: boolean };
  signedByCa: boolean;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function load<T>(text: string | undefined, parse: (t: string) => T): Loaded<T> {
  if (text === undefined) return { present: false };
  try {
    return { present: true, info: parse(text) };
  } catch (e) {
    return { present: true, error: (e as Error).message };
  }
}

export async function loadController(kind: 'ca' | 'cert' | 'keypair', f: CertFiles): Promise<ControllerFacts> {
  const [certPem, keyPem, caPem, caKeyPem] = await Promise.all([
    readIfExists(f.cert),
    readIfExists(f.key),
    f.caCert ? readIfExists(f.caCert) : undefined,
    f.caKey ? readIfExists(f.caKey) : undefined,
  ]);
  const facts: ControllerFacts = {
    cert: kind === 'keypair' ? { present: false } : load(certPem, certInfo),
    pub: kind === 'keypair' ? load(certPem, publicKeyPemInfo) : { present: false },
    key: load(keyPem, privateKeyInfo),
    ...(certPem !== undefined ? { certSha: sha256(certPem) } : {}),
    ...(keyPem !== undefined ? { keySha: sha256(keyPem) } : {}),
    signedByCa: false,
  };
  if (kind === 'cert') {
    facts.ca = { cert: load(caPem, certInfo), keyPresent: caKeyPem !== undefined };
    facts.signedByCa = certPem !== undefined && caPem !== undefined && isSignedBy(certPem, caPem);
  }
  return facts;
}

export interface IssueJob {
  kind: 'ca' | 'cert' | 'keypair';
  files: CertFiles;
  spec: CertSpec;
  key: KeySpec;
  renewBeforeMs: number;
}

/**
 * Make what the plan said, re-checking under a per-file lock first: another host may have issued
 * the same CA or certificate a moment ago, and then there is nothing left to do.
 */
export const issueAction = defineAction<IssueJob, void>({ name: 'cert.issue', run: (job) => runIssueJob(job) });

function runIssueJob(job: IssueJob): Promise<void> {
  return withLock(job.files.cert, async () => {
    const facts = await loadController(job.kind, job.files);
    const now = new Date();
    if (job.kind === 'keypair') return ensureKeypair(job, facts);
    if (job.kind === 'ca') {
      if (facts.cert.present) return; // never regenerate a CA
      const keyPem = await ensureKey(job, facts);
      await writeFileAtomic(job.files.cert, issueCertificate(job.spec, keyPem, now), 0o644);
      return;
    }
    const reasons = reissueReasons({ ...facts, now: now.toISOString() }, job.spec, job.key, job.renewBeforeMs);
    if (reasons.length === 0) return;
    const [caPem, caKeyPem] = await Promise.all([readIfExists(job.files.caCert!), readIfExists(job.files.caKey!)]);
    if (caPem === undefined || caKeyPem === undefined) throw new Error(`CA ${job.files.caCert} or its key is missing`);
    const keyPem = await ensureKey(job, facts);
    await writeFileAtomic(job.files.cert, issueCertificate(job.spec, keyPem, now, { certPem: caPem, keyPem: caKeyPem }), 0o644);
  });
}

/** The existing key when it fits, else a new one written 0600 before any certificate uses it. */
async function ensureKey(job: IssueJob, facts: ControllerFacts): Promise<string> {
  if (!newKeyNeeded(facts, job.key)) {
    const pem = await readIfExists(job.files.key);
    if (pem !== undefined) return pem;
  }
  const pem = generateKeyPem(job.key.algorithm, job.key.bits);
  await writeFileAtomic(job.files.key, pem, 0o600);
  return pem;
}

async function ensureKeypair(job: IssueJob, facts: ControllerFacts): Promise<void> {
  let keyPem = await readIfExists(job.files.key);
  if (keyPem === undefined || (facts.key.present && !facts.key.info)) {
    if (keyPem !== undefined) throw new Error(`${job.files.key} exists but is not a readable key; not replacing it`);
    keyPem = generateKeyPem(job.key.algorithm, job.key.bits);
    await writeFileAtomic(job.files.key, keyPem, 0o600);
  }
  const pub = publicKeyPemOf(keyPem);
  if ((await readIfExists(job.files.cert)) !== pub) await writeFileAtomic(job.files.cert, pub, 0o644);
}
