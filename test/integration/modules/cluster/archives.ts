/** Test archives built with tar and zip on the controller: an etcd-like release layout. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Artifacts {
  binary: Buffer;
  tgz: Buffer;
  txz: Buffer;
  zip: Buffer;
}

export function buildArtifacts(): Artifacts {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-art-'));
  const top = join(dir, 'etcd-v3.5.0-linux-amd64');
  mkdirSync(join(top, 'Documentation'), { recursive: true });
  writeFileSync(join(top, 'etcd'), '#!/bin/sh\necho etcd\n', { mode: 0o755 });
  writeFileSync(join(top, 'etcdctl'), '#!/bin/sh\necho etcdctl\n', { mode: 0o755 });
  writeFileSync(join(top, 'README.md'), 'readme\n');
  writeFileSync(join(top, 'Documentation', 'doc.md'), 'doc\n');
  execFileSync('tar', ['-czf', join(dir, 'a.tar.gz'), '-C', dir, 'etcd-v3.5.0-linux-amd64']);
  execFileSync('tar', ['-cJf', join(dir, 'a.tar.xz'), '-C', dir, 'etcd-v3.5.0-linux-amd64']);
  execFileSync('zip', ['-qr', join(dir, 'a.zip'), 'etcd-v3.5.0-linux-amd64'], { cwd: dir });
  return {
    binary: Buffer.from(`#!/bin/sh\necho kubelet ${'x'.repeat(100_000)}\n`),
    tgz: readFileSync(join(dir, 'a.tar.gz')),
    txz: readFileSync(join(dir, 'a.tar.xz')),
    zip: readFileSync(join(dir, 'a.zip')),
  };
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
export const sha512 = (b: Buffer | string): string => createHash('sha512').update(b).digest('hex');
