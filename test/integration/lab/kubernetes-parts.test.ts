/**
 * The pieces of `kplay lab up --kubernetes` that need no root: finding the cgroup v1 hierarchies,
 * the static-busybox check, the lab's group_vars, the CLI flag. The hosts themselves:
 * kubernetes.lab.test.ts.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { labCgroupDirs, parseMountinfo, renderGroupVars, v1Hierarchies } from '../../../engine/lab/kubernetes.ts';
import { isStaticElf, ociArch } from '../../../engine/lab/oci.ts';
import { parseLabArgs } from '../../../engine/lab/command.ts';

const MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '34 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '35 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
  '36 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup rw',
  '37 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children',
  '', // a bind of the memory hierarchy elsewhere counts once
  '38 23 0:32 / /mnt/mem rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const PROC_CGROUP = ['9:name=systemd:/user.slice', '4:memory:/process_api/ab12', '3:cpuset:/', '2:cpu,cpuacct:/', '0::/user.slice'].join('\n');

describe('lab --kubernetes: the parts', () => {
  it('finds every cgroup v1 controller hierarchy and this process in it, not named or v2 ones', () => {
    expect(v1Hierarchies(MOUNTINFO, PROC_CGROUP)).to.deep.equal([
      { mount: '/sys/fs/cgroup/cpu,cpuacct', name: 'cpu,cpuacct', controllers: ['cpu', 'cpuacct'], own: '/' },
      { mount: '/sys/fs/cgroup/memory', name: 'memory', controllers: ['memory'], own: '/process_api/ab12' },
      { mount: '/sys/fs/cgroup/cpuset', name: 'cpuset', controllers: ['cpuset'], own: '/' },
    ]);
    expect(labCgroupDirs('k1', v1Hierarchies(MOUNTINFO, PROC_CGROUP))).to.deep.equal([
      '/sys/fs/cgroup/cpu,cpuacct/kplay/k1',
      '/sys/fs/cgroup/memory/process_api/ab12/kplay/k1',
      '/sys/fs/cgroup/cpuset/kplay/k1',
    ]);
    expect(v1Hierarchies('36 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup rw', '0::/')).to.deep.equal([]);
  });

  it('decodes mount points with escaped spaces', () => {
    expect(parseMountinfo('40 1 0:50 /a\\040b /mnt/x\\040y rw - tmpfs t rw')[0]).to.include({ root: '/a b', mountPoint: '/mnt/x y', fstype: 'tmpfs' });
  });

  it('tells a static ELF from a dynamic one', () => {
    expect(isStaticElf(readFileSync(process.execPath))).to.equal(false); // node is dynamically linked
    expect(isStaticElf(Buffer.from('#!/bin/sh\n'))).to.equal(false);
    expect(ociArch('x64')).to.equal('amd64');
    expect(ociArch('arm64')).to.equal('arm64');
  });

  it('writes the variables roles need on lab hosts, each with a comment', () => {
    const text = renderGroupVars({
      lab: 'k1',
      images: {
        pause: { image: 'localhost/kplay/pause:lab', tarball: '/x/pause.tar', file: 'pause.tar' },
        busybox: { image: 'localhost/kplay/busybox:lab', tarball: '/x/busybox.tar', file: 'busybox.tar' },
      },
    });
    const vars = load(text) as Record<string, unknown>;
    expect(Object.keys(vars)).to.deep.equal([
      'etcd_source', 'containerd_source', 'runc_source', 'cni_source', 'crictl_source', 'ntp_enabled', 'kube_network_plugin', 'dns_mode', 'kubelet_protect_kernel_defaults',
      'pod_infra_image_repo', 'pod_infra_image_tag',
      'containerd_preload_images', 'kubelet_fail_cgroup_v1', 'kube_proxy_conntrack_max_per_core',
      'containerd_restrict_oom_score_adj', 'containerd_runc_no_new_keyring',
    ]);
    const lines = text.split('\n');
    for (const k of Object.keys(vars)) {
      const at = lines.findIndex((l) => l.startsWith(`${k}:`));
      expect(lines[at - 1], k).to.match(/^#|^\S+: /); // a comment, or the previous variable of the same commented group
    }
    const withVip = load(renderGroupVars({ lab: 'k1', images: { pause: { image: 'p', tarball: '/p', file: 'p.tar' }, busybox: { image: 'b', tarball: '/b', file: 'b.tar' } }, vip: '198.18.1.10' })) as Record<string, unknown>;
    expect(withVip.loadbalancer_apiserver).to.deep.equal({ address: '198.18.1.10', port: 8443 });
    expect(withVip.keepalived_auth_pass).to.match(/^[\w-]{8}$/);
    expect(vars.containerd_preload_images).to.deep.equal([
      { archive: '/var/lib/kplay-lab/images/pause.tar', image: 'localhost/kplay/pause:lab' },
      { archive: '/var/lib/kplay-lab/images/busybox.tar', image: 'localhost/kplay/busybox:lab' },
    ]);
  });

  it('takes --kubernetes on the command line', () => {
    expect(parseLabArgs(['up', '2', '--kubernetes', '--name', 'k'])).to.include({ cmd: 'up', kubernetes: true, name: 'k' });
    expect(parseLabArgs(['up', '2'])).to.include({ kubernetes: false });
  });
});
