/**
 * `kplay lab up N --kubernetes` on real hosts: cgroup v1 delegation (runc creates a container's
 * cgroups, a memory limit is enforced, each host only sees its own private folder), /dev/kmsg,
 * the kubelet's sysctls, the containerd tmpfs, the local images, the lab's group_vars; and
 * `lab down` leaves nothing behind. Skipped with a message when not root (fails in CI).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load } from 'js-yaml';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { kplay } from '../../support/kplay.ts';
import type { Transport } from '../../../engine/transport/transport.ts';
import { leftovers, NOTHING } from './leftovers.ts';

/** A minimal containerd 1.6 config: what the lab needs of the CRI runc runtime (the containerd role writes the real one). */
const CONTAINERD_CONFIG = `version = 2
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
  NoNewKeyring = true
`;

/**
 * \`ctr run\` does not go through the CRI plugin, so the runc options above do not apply to it:
 * this wrapper adds runc's own --no-new-keyring flag to create/run (what NoNewKeyring does).
 */
const RUNC_WRAPPER = `#!/bin/sh
n=$#
while [ "$n" -gt 0 ]; do
  a=$1; shift; n=$((n - 1))
  if [ "$a" = create ] || [ "$a" = run ]; then set -- "$@" "$a" --no-new-keyring; else set -- "$@" "$a"; fi
done
exec /usr/sbin/runc "$@"
`;

const RUN = 'ctr -n k8s.io run --rm --runc-binary /usr/local/sbin/runc-no-new-keyring';

const KUBELET_ZST = join(import.meta.dirname, '../../../../shared/k8s/v1.36.3/kubelet.zst');

/** A standalone kubelet (no API server): runs the static pods of staticPodPath through containerd's CRI. */
const KUBELET_CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
staticPodPath: /etc/kubernetes/manifests
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
`;
const STATIC_POD = `apiVersion: v1
kind: Pod
metadata: {name: bb, namespace: default}
spec:
  hostNetwork: true
  containers:
    - name: bb
      image: localhost/kplay/busybox:lab
      imagePullPolicy: Never
      command: ["/bin/sh", "-c", "echo started; sleep 3600"]
      resources: {limits: {memory: 64Mi}}
`;

/** Every memory.limit_in_bytes below dir, with its value. */
function memoryLimits(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'memory.limit_in_bytes') out[d] = Number(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('kplay lab --kubernetes: hosts that can run containers', function () {
  let lab: Lab | undefined;
  let t: Transport[] = [];

  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    const t0 = Date.now();
    lab = await startLab(2, { name: 'kubelab', kubernetes: true });
    console.log(`      lab of 2 (--kubernetes) up in ${Date.now() - t0} ms: ${JSON.stringify(lab.timings)}`);
    t = await Promise.all([0, 1].map((i) => lab!.transport(i)));
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab?.stop();
  });

  const sh = async (i: number, cmd: string, timeoutMs = 60_000) => {
    const r = await t[i]!.exec(cmd, { timeoutMs });
    return { rc: r.rc, out: r.stdout.trim(), err: r.stderr.trim() };
  };

  it('links /dev/kmsg to the console', async () => {
    for (const i of [0, 1]) expect((await sh(i, 'test -e /dev/kmsg && readlink /dev/kmsg')).out).to.equal('/dev/console');
  });

  it('shows the kubelet its sysctl values, and leaves the others read-only', async () => {
    for (const i of [0, 1]) {
      expect((await sh(i, 'sysctl -n vm.overcommit_memory kernel.panic kernel.panic_on_oops')).out.split('\n')).to.deep.equal(['1', '10', '1']);
      expect((await sh(i, 'sysctl -w vm.swappiness=10')).rc).to.not.equal(0);
    }
  });

  it('gives containerd a tmpfs for /var/lib/containerd', async () => {
    for (const i of [0, 1]) expect((await sh(i, 'stat -f -c %T /var/lib/containerd')).out).to.equal('tmpfs');
  });

  it('puts the image archives on every host', async () => {
    const k = lab!.kubernetes!;
    for (const i of [0, 1]) {
      const r = await sh(i, `tar -tf ${k.images.pause.archive}; tar -xOf ${k.images.busybox.archive} index.json`);
      expect(r.rc).to.equal(0);
      expect(r.out).to.include('oci-layout').and.include('index.json').and.include('blobs/sha256/');
      expect(r.out).to.include(`"io.containerd.image.name":"${k.images.busybox.image}"`);
    }
  });

  it('delegates cgroup v1: each host writes only into its own private folder', async () => {
    const dirs = lab!.kubernetes!.cgroupDirs;
    expect(dirs.length).to.be.greaterThan(0);
    const mem = dirs.find((d) => d.startsWith('/sys/fs/cgroup/memory/'));
    expect(mem, 'the memory hierarchy').to.be.a('string');
    const r = await sh(0, 'mkdir /sys/fs/cgroup/memory/kplay-probe && cat /proc/self/cgroup');
    expect(r.rc, r.err).to.equal(0);
    expect(r.out).to.match(/:memory:\/$/m); // the host's cgroup namespace is rooted at its folder
    try {
      expect(existsSync(`${mem}/h1/kplay-probe`)).to.equal(true);
      expect(existsSync(`${mem}/h2/kplay-probe`)).to.equal(false);
      expect(existsSync('/sys/fs/cgroup/memory/kplay-probe')).to.equal(false);
      expect((await sh(1, 'test -e /sys/fs/cgroup/memory/kplay-probe')).rc).to.not.equal(0);
    } finally {
      await sh(0, 'rmdir /sys/fs/cgroup/memory/kplay-probe');
    }
  });

  it("runs a container of the local busybox image with Debian's containerd and runc, and enforces its memory limit", async function () {
    this.timeout(120_000);
    const k = lab!.kubernetes!;
    const setup = await sh(
      0,
      [
        'set -e',
        'mkdir -p /etc/containerd',
        `cat >/etc/containerd/config.toml <<'EOF'\n${CONTAINERD_CONFIG}EOF`,
        `cat >/usr/local/sbin/runc-no-new-keyring <<'EOF'\n${RUNC_WRAPPER}EOF`,
        'chmod 0755 /usr/local/sbin/runc-no-new-keyring',
        'systemctl start containerd',
        'for i in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done',
        `ctr -n k8s.io images import ${k.images.busybox.archive}`,
        `ctr -n k8s.io images import ${k.images.pause.archive}`,
        'ctr -n k8s.io images ls -q',
      ].join('\n'),
    );
    expect(setup.rc, setup.err).to.equal(0);
    expect(setup.out).to.include(k.images.busybox.image).and.include(k.images.pause.image);

    const hi = await sh(0, `${RUN} ${k.images.busybox.image} t1 /bin/busybox echo hi`);
    expect(hi, hi.err).to.include({ rc: 0, out: 'hi' });

    // 64 MiB through `tail` (which keeps a line without newlines in memory): killed under a 32 MiB limit, fine without
    const hog = '/bin/sh -c "head -c 67108864 /dev/zero | tail >/dev/null"';
    const limited = await sh(0, `${RUN} --memory-limit 33554432 ${k.images.busybox.image} t2 ${hog}`);
    expect(limited.rc, `${limited.out} ${limited.err}`).to.equal(137);
    const free = await sh(0, `${RUN} ${k.images.busybox.image} t3 ${hog}`);
    expect(free.rc, `${free.out} ${free.err}`).to.equal(0);

    // a pod sandbox's process keeps running from the pause image, in the host's private cgroups
    const pause = await sh(0, `ctr -n k8s.io run -d --runc-binary /usr/local/sbin/runc-no-new-keyring ${k.images.pause.image} p1 && ctr -n k8s.io tasks ls`);
    expect(pause.rc, pause.err).to.equal(0);
    expect(pause.out).to.match(/p1\s+\d+\s+RUNNING/);
    const mem = k.cgroupDirs.find((d) => d.startsWith('/sys/fs/cgroup/memory/'));
    expect(existsSync(`${mem}/h1/k8s.io/p1`)).to.equal(true);
  });

  it('runs a static pod (the local pause sandbox and busybox) with a real kubelet through CRI, its memory limit in the private folder', async function () {
    this.timeout(180_000);
    if (!existsSync(KUBELET_ZST)) {
      console.warn(`      (skipping: no ${KUBELET_ZST})`);
      this.skip();
    }
    const k = lab!.kubernetes!;
    // the binary goes straight into the host's overlay from this machine (no artifact server needed for a lab test)
    execFileSync('sh', ['-c', `zstd -q -d -c "$1" >"$2" && chmod 0755 "$2"`, 'sh', KUBELET_ZST, join(lab!.dir, 'hosts/h2/root/usr/local/bin/kubelet')]);
    const cri = CONTAINERD_CONFIG.replace('restrict_oom_score_adj = true', `restrict_oom_score_adj = true\n  sandbox_image = "${k.images.pause.image}"`);
    const r = await sh(
      1,
      [
        'set -e',
        'mkdir -p /etc/containerd /etc/kubernetes/manifests /var/lib/kubelet',
        `cat >/etc/containerd/config.toml <<'EOF'\n${cri}EOF`,
        `cat >/var/lib/kubelet/config.yaml <<'EOF'\n${KUBELET_CONFIG}EOF`,
        `cat >/etc/kubernetes/manifests/bb.yaml <<'EOF'\n${STATIC_POD}EOF`,
        'systemctl start containerd',
        'for i in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done',
        `ctr -n k8s.io images import ${k.images.pause.archive} >/dev/null`,
        `ctr -n k8s.io images import ${k.images.busybox.archive} >/dev/null`,
        'systemd-run --quiet --unit kubelet /usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml',
        // the static pod (named bb-<node>) logs that it started: sandbox and container both ran (bounded wait, no timed assertion)
        'for i in $(seq 1200); do cat /var/log/pods/default_bb-*/bb/0.log 2>/dev/null | grep -q started && break; sleep 0.1; done',
        'cat /var/log/pods/default_bb-*/bb/0.log',
        'ctr -n k8s.io containers ls',
        'ctr -n k8s.io tasks ls',
      ].join('\n'),
      170_000,
    );
    expect(r.rc, r.err).to.equal(0);
    expect(r.out).to.include('started');
    expect(r.out).to.include(k.images.pause.image).and.include(k.images.busybox.image);
    expect(r.out.match(/\sRUNNING$/gm)).to.have.length(2);
    const mem = k.cgroupDirs.find((d) => d.startsWith('/sys/fs/cgroup/memory/'));
    const limits = Object.entries(memoryLimits(`${mem}/h2/kubepods`)).filter(([, v]) => v === 64 * 1024 * 1024);
    expect(limits.length, 'the pod and its container limited to 64Mi, below the host\'s own folder').to.be.greaterThan(0);
  });

  it('writes the lab variables into group_vars/all beside inventory.ini, and the inventory loader reads them', async () => {
    const k = lab!.kubernetes!;
    expect(k.groupVarsPath).to.equal(`${dirname(lab!.inventoryPath)}/group_vars/all/lab-kubernetes.yml`);
    const vars = load(readFileSync(k.groupVarsPath, 'utf8')) as Record<string, unknown>;
    expect(vars).to.deep.equal({
      etcd_source: 'package',
      containerd_source: 'package',
      runc_source: 'package',
      cni_source: 'package',
      crictl_source: 'none',
      ntp_enabled: false,
      kube_network_plugin: 'bridge',
      dns_mode: 'none',
      kubelet_protect_kernel_defaults: false,
      pod_infra_image_repo: 'localhost/kplay/pause',
      pod_infra_image_tag: 'lab',
      containerd_preload_images: [
        { archive: '/var/lib/kplay-lab/images/pause.tar', image: 'localhost/kplay/pause:lab' },
        { archive: '/var/lib/kplay-lab/images/busybox.tar', image: 'localhost/kplay/busybox:lab' },
      ],
      kubelet_fail_cgroup_v1: false,
      kube_proxy_conntrack_max_per_core: 0,
      containerd_restrict_oom_score_adj: true,
      containerd_runc_no_new_keyring: true,
    });
    const inv = await kplay('inventory', '-i', lab!.inventoryPath, '--host', lab!.hosts[1]!.name);
    expect(inv.code, inv.stderr).to.equal(0);
    const host = JSON.parse(inv.stdout) as Record<string, unknown>;
    expect(host).to.include({ etcd_source: 'package', pod_infra_image_tag: 'lab', containerd_runc_no_new_keyring: true });
  });

  it('lab down (containers and a kubelet running) stops in bounded time and leaves no private cgroup, mount or file', async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    const k = lab!.kubernetes!;
    const kNum = Number(lab!.subnet.split('.')[2]);
    const t0 = Date.now();
    await lab!.stop();
    console.log(`      lab down of 2 hosts running containerd (a container; a kubelet and its pod): ${Date.now() - t0} ms`);
    for (const d of k.cgroupDirs) expect(existsSync(d), d).to.equal(false);
    expect(existsSync(k.groupVarsPath)).to.equal(false);
    expect(existsSync(dirname(dirname(k.groupVarsPath)))).to.equal(false);
    expect(leftovers('kubelab', kNum)).to.deep.equal(NOTHING);
  });
});
