/** download: checksum forms, proxy selection and the pure plan. */
import { expect } from 'chai';
import { hashFromChecksumFile, parseChecksumArg, urlFileName } from '../../../../modules/cluster/download/checksum.ts';
import { proxyFor } from '../../../../modules/cluster/download/http.ts';
import { extractedPath, extractScript } from '../../../../modules/cluster/download/host-scripts.ts';
import { planDownload, type DownloadState } from '../../../../modules/cluster/download/plan.ts';
import type { DownloadArgs } from '../../../../modules/cluster/download/schema.ts';

const HEX = 'a'.repeat(64);

describe('download checksums', () => {
  it('parses the argument forms', () => {
    expect(parseChecksumArg(`sha256:${HEX.toUpperCase()}`)).to.deep.equal({ algo: 'sha256', hex: HEX });
    expect(parseChecksumArg('sha512:https://x/y.sha512')).to.deep.equal({ algo: 'sha512', url: 'https://x/y.sha512' });
    expect(() => parseChecksumArg('sha256:abc')).to.throw(/64 hex digits/);
  });

  it('finds the hash in checksum files', () => {
    expect(hashFromChecksumFile(`${HEX}\n`, 'sha256', 'kubelet')).to.equal(HEX);
    const sums = `${'b'.repeat(64)}  etcd.tar.gz\n${HEX} *./bin/runc.amd64\n`;
    expect(hashFromChecksumFile(sums, 'sha256', 'runc.amd64')).to.equal(HEX);
    expect(() => hashFromChecksumFile(sums, 'sha256', 'nope')).to.throw(/no line for nope/);
    expect(() => hashFromChecksumFile(`${'c'.repeat(64)}  other\n`, 'sha256', 'x')).to.throw(/lists other/);
  });

  it('takes the file name from the URL', () => {
    expect(urlFileName('https://dl.k8s.io/release/v1.34.0/bin/linux/amd64/kubelet?x=1')).to.equal('kubelet');
    expect(() => urlFileName('https://example.test/')).to.throw(/file name/);
  });
});

describe('download proxy selection', () => {
  const env = { https_proxy: 'http://proxy:3128', HTTP_PROXY: 'proxy2:8080', no_proxy: 'localhost,.internal,10.0.0.1,svc:8443' };
  it('uses https_proxy / HTTP_PROXY and honours no_proxy', () => {
    expect(proxyFor(new URL('https://dl.k8s.io/x'), env)?.host).to.equal('proxy:3128');
    expect(proxyFor(new URL('http://deb.example/x'), env)?.host).to.equal('proxy2:8080');
    expect(proxyFor(new URL('https://a.b.internal/x'), env)).to.equal(undefined);
    expect(proxyFor(new URL('http://10.0.0.1/x'), env)).to.equal(undefined);
    expect(proxyFor(new URL('https://svc:8443/x'), env)).to.equal(undefined);
    expect(proxyFor(new URL('https://svc/x'), env)?.host).to.equal('proxy:3128');
    expect(proxyFor(new URL('https://x/'), { ...env, no_proxy: '*' })).to.equal(undefined);
  });
});

describe('download extraction', () => {
  it('maps members through strip_components and quotes the tar command', () => {
    expect(extractedPath('etcd-v1/etcd', 1)).to.equal('etcd');
    expect(extractedPath('./etcd-v1/', 1)).to.equal(undefined);
    expect(extractScript({ archive: '/c/a b.tgz', dir: '/usr/local/bin', format: 'tar.gz', include: ['d/etcd'], stripComponents: 1 })).to.equal(
      "mkdir -p /usr/local/bin && tar -xzf '/c/a b.tgz' -C /usr/local/bin --no-same-owner --strip-components=1 -- d/etcd",
    );
  });
});

describe('download plan', () => {
  const absent = { exists: false as const };
  const file = (mode = '0644') => ({ exists: true as const, type: 'file' as const, mode, owner: 'root', group: 'root', uid: 0, gid: 0, size: 1, inode: '1:1' });
  const base: DownloadState = {
    dest: '/usr/local/bin/kubelet',
    fileName: 'kubelet',
    mirrors: ['http://127.0.0.1/kubelet'],
    expected: { algo: 'sha256', hex: HEX },
    destStat: absent,
    parentExists: true,
    tools: ['tar', 'curl'],
    cache: { path: `/cache/sha256-${HEX}`, present: false },
  };
  const args: DownloadArgs = { url: 'http://127.0.0.1/kubelet', dest: '/usr/local/bin/kubelet', checksum: `sha256:${HEX}`, mode: '0755' };

  it('fetches into the cache and uploads when absent', () => {
    const p = planDownload(base, args);
    expect(p.changes[0]!.ops.map((o) => o.kind)).to.deep.equal(['controller', 'putFile']);
    expect(p.changes[0]!.ops[1]).to.deep.include({ localPath: `/cache/sha256-${HEX}`, path: '/usr/local/bin/kubelet', mode: '0755' });
  });

  it('uploads from the cache (after verifying it) when cached', () => {
    const p = planDownload({ ...base, cache: { ...base.cache, present: true } }, args);
    expect(p.changes[0]!.ops.map((o) => o.kind)).to.deep.equal(['controller', 'putFile']);
    expect(p.changes[0]!.summary).to.match(/, cached\)$/);
  });

  it('does nothing when the checksum matches, but fixes the mode', () => {
    expect(planDownload({ ...base, destStat: file('0755'), destHash: HEX }, args).changes).to.deep.equal([]);
    const p = planDownload({ ...base, destStat: file('0644'), destHash: HEX }, args);
    expect(p.changes.map((c) => c.summary)).to.deep.equal(['mode 0644 → 0755 /usr/local/bin/kubelet']);
  });

  it('fails without curl or wget for on_host, and on a checksum problem', () => {
    expect(planDownload({ ...base, tools: ['tar'] }, { ...args, on_host: true }).failed).to.match(/curl or wget/);
    expect(planDownload({ ...base, expected: { error: 'checksum: HTTP 404' } }, args).failed).to.equal('checksum: HTTP 404');
  });

  it('re-extracts when the archive changes or a member is missing, and records the extracted files', () => {
    const x = { dir: '/usr/local/bin', format: 'tar.gz' as const, dirExists: true, missing: [] };
    const a = { ...args, extract_to: '/usr/local/bin', include: ['e/etcd'], strip_components: 1 };
    expect(planDownload({ ...base, destStat: file('0755'), destHash: HEX, extract: x }, a).changes).to.deep.equal([]);
    const p = planDownload({ ...base, destStat: file('0755'), destHash: HEX, extract: { ...x, missing: ['/usr/local/bin/etcd'] } }, a);
    expect(p.changes[0]!.summary).to.match(/missing \/usr\/local\/bin\/etcd/);
    expect(p.changes[0]!.effects).to.deep.include({ kind: 'path', path: '/usr/local/bin/etcd', state: 'file' });
    expect(planDownload({ ...base, extract: x }, a).changes[1]!.summary).to.match(/archive changed/);
    // a missing tool only matters when there is something to extract
    expect(planDownload({ ...base, tools: [], destStat: file('0755'), destHash: HEX, extract: x }, a).failed).to.equal(undefined);
    expect(planDownload({ ...base, tools: [], extract: x }, a).failed).to.match(/needs tar/);
  });
});

describe('download validate', () => {
  it('leaves a templated checksum to run time and still rejects a bad literal one', async () => {
    const { download } = await import('../../../../modules/cluster/download/download.ts');
    const args = (checksum: string) => ({ url: 'http://198.18.0.1/a', dest: '/tmp/a', checksum }) as DownloadArgs;
    expect(download.validate!(args('sha256:{{etcd_checksum}}'))).to.deep.equal([]);
    expect(download.validate!(args('{{artifact_checksum}}'))).to.deep.equal([]);
    expect(download.validate!(args('sha256:abc'))[0]?.key).to.equal('checksum');
  });
});
