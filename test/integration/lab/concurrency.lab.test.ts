/**
 * Several test processes start labs at the same moment: the image is restored once, and every
 * lab gets its own subnet.
 */
import { expect } from 'chai';
import { linkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureImage } from '../../../engine/lab/image.ts';
import { removeTree } from '../../../engine/lab/mounts.ts';
import { LAB_START_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { runChild } from './run-child.ts';
import { leftovers, NOTHING } from './leftovers.ts';

describe('kplay lab: several processes at once', function () {
  before(function () {
    requireLab(this);
  });

  it('restores a cached image once when three processes ask for it together', async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    const image = await ensureImage();
    // a private cache holding only the tarball (a hard link: same file system, no copy)
    const cacheDir = join('/var/cache/kplay', `test-restore-${process.pid}`);
    await removeTree(cacheDir);
    mkdirSync(join(cacheDir, 'images'), { recursive: true });
    linkSync(image.tarball, join(cacheDir, 'images', `${image.key}.tar.zst`));
    try {
      const results = await Promise.all([1, 2, 3].map(() => runChild<{ action: string; ms: number }>('image', cacheDir)));
      const actions = results.map((r) => r.value.action).sort();
      expect(actions).to.deep.equal(['cached', 'cached', 'restored']);
      console.log(`      image restore: ${results.find((r) => r.value.action === 'restored')?.value.ms} ms`);
    } finally {
      await removeTree(cacheDir);
    }
  });

  it('gives labs started together distinct subnets, and each cleans up after itself', async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    type Started = { k: number; hosts: { address: string }[] };
    const names = ['labpar1', 'labpar2', 'labpar3'];
    const results = await Promise.all(names.map((name) => runChild<Started>('up-down', name, '2')));
    const ks = results.map((r) => r.value.k);
    expect(new Set(ks).size).to.equal(3);
    results.forEach((r) => expect(r.value.hosts.map((h) => h.address)).to.deep.equal([`198.18.${r.value.k}.11`, `198.18.${r.value.k}.12`]));
    // every child stopped its own lab; a subnet may already be reused by another test process
    names.forEach((name, i) => {
      const left = leftovers(name, ks[i]!);
      expect({ ...left, routes: [], links: [] }).to.deep.equal(NOTHING);
    });
  });

  it('makes two processes that want the same lab name take turns', async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    type Started = { k: number; hosts: { name: string }[] };
    const results = await Promise.all([1, 2].map(() => runChild<Started>('up-down', 'labsame', '1')));
    for (const r of results) expect(r.value.hosts.map((h) => h.name)).to.deep.equal(['kplay-labsame-h1']);
    expect(leftovers('labsame', 0).registry).to.equal(false);
  });
});
