/**
 * roles/download on 2 lab hosts, from a local mirror in Kubespray's files_repo layout served by
 * the test (no internet): the Kubernetes v1.36.3 binaries of ../shared/k8s (decompressed), an etcd
 * tarball built from ../shared/k8s/etcd, and containerd, runc and CNI-plugin archives repacked in
 * upstream's layout from the Debian binaries of the lab image. crictl has no binary anywhere here:
 * its tarball holds a stand-in script (the role only moves and verifies bytes). The shared
 * binaries are not upstream's files, so every checksum is overridden (<name>_binary_checksum).
 *
 * h1 is kube_control_plane + etcd, h2 kube_node: h1 gets the server binaries, kubectl and etcd,
 * both get kubelet, kube-proxy, containerd, runc, CNI plugins and crictl.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';
import { failures, kplay, mispredictions } from '../../support/kplay.ts';
import { expectNoChange, seconds, startRoleLab, type RoleLab } from '../../support/role-lab.ts';
import { startArtifactServer, type ArtifactServer } from '../../support/artifact-server.ts';
import { imagePaths } from '../../../engine/lab/image.ts';

const SHARED = join(import.meta.dirname, '../../../../shared/k8s');
const PLAYBOOK = join(import.meta.dirname, '../../fixtures/roles/download/download.yml');
const ROLES = join(import.meta.dirname, '../../../roles');
const KUBE = '1.36.3';
const V = { etcd: '3.5.16', containerd: '1.6.20', runc: '1.1.5', cni: '1.1.1', crictl: '1.35.0' };
const SERVER_BINS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
const NODE_BINS = ['kubelet', 'kube-proxy'];

/** Every path the role writes, with mode and size, sorted. */
const STATE = 'for p in /usr/local/bin /opt/cni /var/cache/kplay; do find "$p" -printf "%p %m %s\\n" 2>/dev/null || echo "$p absent"; done | sort';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('role download on 2 lab hosts (files_repo mirror, controller cache)', function () {
  let rl: RoleLab | undefined;
  let on: RoleLab['on'];
  let server: ArtifactServer | undefined;
  let dir: string;
  let args: string[];
  const sums: Record<string, string> = {};
  const paths: Record<string, string> = {};

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    if (!existsSync(join(SHARED, 'SHA256SUMS'))) {
      console.warn(`    (skipping: ${SHARED} is absent: no real binaries to serve)`);
      this.skip();
    }
    requireLab(this);
    rl = await startRoleLab(2, { name: 'download' });
    ({ dir, on } = rl);
    const repo = join(dir, 'mirror');
    const put = (name: string, rel: string) => {
      const file = join(repo, rel);
      paths[name] = `/${rel}`;
      sums[name] = sha256(file);
    };
    const mk = (rel: string) => mkdirSync(join(repo, rel), { recursive: true });

    // Kubernetes binaries, decompressed; their sums must be the ones SHA256SUMS states
    const listed = Object.fromEntries(
      readFileSync(join(SHARED, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/).reverse()),
    ) as Record<string, string>;
    const rel = `dl.k8s.io/release/v${KUBE}/bin/linux/amd64`;
    mk(rel);
    for (const b of [...SERVER_BINS, ...NODE_BINS]) {
      execFileSync('sh', ['-c', `zstd -q -d -c "$1" > "$2"`, 'sh', join(SHARED, `v${KUBE}/${b}.zst`), join(repo, rel, b)]);
      put(b, `${rel}/${b}`);
      expect(sums[b], b).to.equal(listed[`v${KUBE}/${b}`]);
    }
    // etcd: upstream's tarball layout etcd-vX-linux-amd64/{etcd,etcdctl,etcdutl}
    const stage = join(dir, 'stage');
    const etcdTop = `etcd-v${V.etcd}-linux-amd64`;
    mkdirSync(join(stage, etcdTop), { recursive: true });
    for (const b of ['etcd', 'etcdctl', 'etcdutl']) {
      execFileSync('sh', ['-c', `zstd -q -d -c "$1" > "$2" && chmod 755 "$2"`, 'sh', join(SHARED, `etcd/${b}.zst`), join(stage, etcdTop, b)]);
    }
    const tar = (name: string, out: string, cwd: string, members: string[]) => {
      mkdirSync(dirname(join(repo, out)), { recursive: true });
      execFileSync('tar', ['-czf', join(repo, out), '--owner=0', '--group=0', '-C', cwd, ...members]);
      put(name, out);
    };
    tar('etcd', `github.com/etcd-io/etcd/releases/download/v${V.etcd}/${etcdTop}.tar.gz`, stage, [etcdTop]);
    // containerd, runc, CNI plugins: Debian's binaries from the lab image, in upstream's layout
    const rootfs = imagePaths().rootfs;
    mkdirSync(join(stage, 'containerd/bin'), { recursive: true });
    for (const b of ['containerd', 'containerd-shim-runc-v2', 'ctr']) copyFileSync(join(rootfs, 'usr/bin', b), join(stage, 'containerd/bin', b));
    tar('containerd', `github.com/containerd/containerd/releases/download/v${V.containerd}/containerd-${V.containerd}-linux-amd64.tar.gz`, join(stage, 'containerd'), ['bin']);
    const runcRel = `github.com/opencontainers/runc/releases/download/v${V.runc}/runc.amd64`;
    mk(dirname(runcRel));
    copyFileSync(join(rootfs, 'usr/sbin/runc'), join(repo, runcRel));
    put('runc', runcRel);
    const plugins = readdirSync(join(rootfs, 'usr/lib/cni'));
    tar('cni', `github.com/containernetworking/plugins/releases/download/v${V.cni}/cni-plugins-linux-amd64-v${V.cni}.tgz`, join(rootfs, 'usr/lib/cni'), plugins.map((p) => `./${p}`));
    mkdirSync(join(stage, 'crictl'));
    writeFileSync(join(stage, 'crictl/crictl'), '#!/bin/sh\necho "crictl stand-in (the download test has no crictl binary)"\n', { mode: 0o755 });
    tar('crictl', `github.com/kubernetes-sigs/cri-tools/releases/download/v${V.crictl}/crictl-v${V.crictl}-linux-amd64.tar.gz`, join(stage, 'crictl'), ['crictl']);

    server = await startArtifactServer({ root: repo, host: rl.lab.controllerAddress });

    // what a user writes: inventory, kplay.yml (roles, controller cache), group_vars as -e @file
    copyFileSync(PLAYBOOK, join(dir, 'download.yml'));
    writeFileSync(join(dir, 'kplay.yml'), `roles_path: [${JSON.stringify(ROLES)}]\ncache_dir: ${JSON.stringify(join(dir, 'cache'))}\n`);
    const [h1, h2] = rl.lines();
    writeFileSync(
      join(dir, 'hosts.ini'),
      `[kube_control_plane]\n${h1}\n[etcd]\n${h1}\n[kube_node]\n${h2}\n[k8s_cluster:children]\nkube_control_plane\nkube_node\n`,
    );
    const vars = {
      files_repo: server.url,
      kube_version: KUBE,
      etcd_version: V.etcd,
      containerd_version: V.containerd,
      runc_version: V.runc,
      cni_version: V.cni,
      crictl_version: V.crictl,
      kube_apiserver_binary_checksum: `sha256:${sums['kube-apiserver']}`,
      kube_controller_manager_binary_checksum: `sha256:${sums['kube-controller-manager']}`,
      kube_scheduler_binary_checksum: `sha256:${sums['kube-scheduler']}`,
      kube_proxy_binary_checksum: `sha256:${sums['kube-proxy']}`,
      kubelet_binary_checksum: `sha256:${sums.kubelet}`,
      kubectl_binary_checksum: sums.kubectl, // a bare hex is sha256 too
      etcd_binary_checksum: `sha256:${sums.etcd}`,
      containerd_archive_checksum: `sha256:${sums.containerd}`,
      runc_binary_checksum: `sha256:${sums.runc}`,
      cni_binary_checksum: `sha256:${sums.cni}`,
      crictl_binary_checksum: `sha256:${sums.crictl}`,
    };
    writeFileSync(join(dir, 'vars.json'), JSON.stringify(vars));
    args = ['run', join(dir, 'download.yml'), '-i', join(dir, 'hosts.ini'), '-e', `@${join(dir, 'vars.json')}`, '--json'];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await server?.close();
    await rl?.stop();
  });


  it('check mode writes nothing; the run installs every artifact once through the controller cache; a second run and a check change nothing', async function () {
    this.timeout(600_000);
    const before = await rl!.state(STATE);
    const check = await kplay(...args, '--check', '--diff');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);
    expect(server!.counts(), 'check mode fetched something').to.deep.equal({});
    expect(existsSync(join(dir, 'cache')) ? readdirSync(join(dir, 'cache')) : [], 'check mode wrote the controller cache').to.deep.equal([]);

    const first = await kplay(...args);
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stderr).to.equal(0);
    expect(mispredictions(check, first)).to.deep.equal([]);

    // one request per artifact, although both hosts got kubelet, kube-proxy, containerd, runc, cni, crictl
    const all = Object.keys(paths);
    expect(server!.counts()).to.deep.equal(Object.fromEntries(all.map((n) => [paths[n], 1]).sort()));
    // the binaries on the hosts, with the served files' sums and mode 755
    const check1 = async (i: number, file: string, sum: string) => {
      expect(await on(i, `sha256sum ${file} | cut -d' ' -f1; stat -c %a ${file}`), file).to.equal(`${sum}\n755\n`);
    };
    for (const b of [...SERVER_BINS, ...NODE_BINS]) await check1(0, `/usr/local/bin/${b}`, sums[b]!);
    for (const b of NODE_BINS) await check1(1, `/usr/local/bin/${b}`, sums[b]!);
    for (const b of SERVER_BINS) expect(await on(1, `test -e /usr/local/bin/${b} && echo present || echo absent`), b).to.equal('absent\n');
    for (const i of [0, 1]) await check1(i, '/usr/local/bin/runc', sums.runc!);
    const rootfs = imagePaths().rootfs;
    for (const i of [0, 1]) {
      await check1(i, '/usr/local/bin/containerd', sha256(join(rootfs, 'usr/bin/containerd')));
      await check1(i, '/usr/local/bin/ctr', sha256(join(rootfs, 'usr/bin/ctr')));
      await check1(i, '/opt/cni/bin/bridge', sha256(join(rootfs, 'usr/lib/cni/bridge')));
      expect(await on(i, '/usr/local/bin/crictl')).to.contain('crictl stand-in');
      expect(await on(i, '/usr/local/bin/containerd --version')).to.contain('1.6.20');
    }
    for (const b of ['etcd', 'etcdctl', 'etcdutl']) {
      await check1(0, `/usr/local/bin/${b}`, sha256(join(dir, 'stage', `etcd-v${V.etcd}-linux-amd64`, b)));
      expect(await on(1, `test -e /usr/local/bin/${b} && echo present || echo absent`), b).to.equal('absent\n');
    }
    expect(await on(0, '/usr/local/bin/etcd --version')).to.contain('3.5.16');
    expect(await on(0, '/usr/local/bin/kubectl version --client')).to.contain('v1.36.3');

    server!.reset();
    const second = await kplay(...args);
    expectNoChange(second);
    expect(server!.counts(), 'a second run fetched something').to.deep.equal({});
    const after = await kplay(...args, '--check', '--diff');
    expectNoChange(after);
    console.log(`      [download] 2 hosts, ${all.length} artifacts: check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
  });

  it('a changed checksum fails the download naming both sums and leaves no file behind', async function () {
    this.timeout(300_000);
    await Promise.all([0, 1].map((i) => on(i, 'rm -f /usr/local/bin/kube-proxy')));
    const wrong = 'f'.repeat(64);
    const r = await kplay(...args, '-e', `kube_proxy_binary_checksum=sha256:${wrong}`);
    expect(r.code).to.equal(2);
    const failed = failures(r);
    expect(failed.map((e) => e.host).sort()).to.deep.equal(rl!.lab.hosts.map((h) => h.name).sort());
    for (const e of failed) {
      const msg = JSON.stringify(e);
      expect(msg, msg).to.contain(`sha256:${wrong}`).and.to.contain(`sha256:${sums['kube-proxy']}`);
    }
    for (const i of [0, 1]) expect(await on(i, 'ls -A /usr/local/bin | grep -c kube-proxy || true')).to.equal('0\n');
    const cache = readdirSync(join(dir, 'cache'));
    expect(cache.filter((f) => f.includes(wrong) || f.startsWith('.partial')), cache.join(' ')).to.deep.equal([]);
    // and the right sum puts it back, from the controller cache (no request)
    server!.reset();
    const fixed = await kplay(...args);
    expect(fixed.code, fixed.stdout + fixed.stderr).to.equal(0);
    expect(server!.counts()).to.deep.equal({});
    expect(await on(1, 'sha256sum /usr/local/bin/kube-proxy | cut -d" " -f1')).to.equal(`${sums['kube-proxy']}\n`);
  });
});
