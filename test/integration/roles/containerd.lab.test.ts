/**
 * roles/container-engine/containerd on 2 lab hosts with Debian's containerd 1.6.20, runc and CNI
 * plugins (containerd_source, runc_source, cni_source: package): check mode writes nothing; the
 * run writes kplay's unit (pointing at /usr/bin/containerd), a version-2 config with the systemd
 * cgroup driver, the sandbox image and the lab's two options, and restarts Debian's running
 * containerd once; a second run and a check change nothing; a new registry mirror writes its
 * hosts.toml and restarts containerd exactly once.
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, type StartLabOptions } from '../../support/lab.ts';
import { failures, kplay, mispredictions, recap, type KplayRun } from '../../support/kplay.ts';
import { expectNoChange, seconds, startRoleLab, type RoleLab } from '../../support/role-lab.ts';
import type { Transport } from '../../../engine/transport/transport.ts';

const SHARED = join(import.meta.dirname, '../../../../shared/k8s');
const PLAYBOOK = join(import.meta.dirname, '../../fixtures/roles/containerd/containerd.yml');
const ROLES = join(import.meta.dirname, '../../../roles');

const STATE = [
  'for p in /etc/containerd /etc/systemd/system/containerd.service /etc/crictl.yaml; do',
  '  find "$p" -printf "%p %m %s\\n" 2>/dev/null || echo "$p absent"; done | sort;',
  'md5sum /etc/containerd/config.toml 2>/dev/null; systemctl show containerd -p InvocationID; true',
].join('\n');

/** n lab hosts in kube_node (skips without ../shared/k8s or labs), the playbook and kplay.yml (the roles) in the role lab's dir. */
async function startContainerdLab(ctx: Mocha.Context, n: number, opts: StartLabOptions & { name: string }): Promise<RoleLab> {
  ctx.timeout(LAB_START_TIMEOUT_MS);
  if (!existsSync(SHARED)) {
    console.warn(`    (skipping: ${SHARED} is absent)`);
    ctx.skip();
  }
  requireLab(ctx);
  const rl = await startRoleLab(n, opts);
  copyFileSync(PLAYBOOK, join(rl.dir, 'containerd.yml'));
  writeFileSync(join(rl.dir, 'kplay.yml'), `roles_path: [${JSON.stringify(ROLES)}]\n`);
  writeFileSync(join(rl.dir, 'hosts.ini'), `[kube_node]\n${rl.lines().join('\n')}\n[k8s_cluster:children]\nkube_node\n`);
  return rl;
}

describe('role container-engine/containerd on 2 lab hosts (Debian containerd 1.6)', function () {
  let rl: RoleLab | undefined;
  let on: RoleLab['on'];
  let dir: string;
  let args: string[];

  before(async function () {
    rl = await startContainerdLab(this, 2, { name: 'containerd' });
    ({ dir, on } = rl);
    // the lab's group_vars: Debian's components, and the two options containerd in a container needs
    const vars = {
      containerd_source: 'package',
      runc_source: 'package',
      cni_source: 'package',
      containerd_restrict_oom_score_adj: true,
      containerd_runc_no_new_keyring: true,
    };
    writeFileSync(join(dir, 'vars.json'), JSON.stringify(vars));
    args = ['run', join(dir, 'containerd.yml'), '-i', join(dir, 'hosts.ini'), '-e', `@${join(dir, 'vars.json')}`, '--json'];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await rl?.stop();
  });

  const startsSince = async (i: number, since: string) => Number((await on(i, `journalctl -u containerd --since @${since} -o cat --no-pager | grep -c '^Started containerd' || true`)).trim());

  it('check mode writes nothing; the run configures and (re)starts containerd once; a second run and a check change nothing', async function () {
    this.timeout(300_000);
    const before = await rl!.state(STATE);
    const check = await kplay(...args, '--check', '--diff');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(check.code, check.stderr).to.equal(0);
    expect(await rl!.state(STATE)).to.deep.equal(before);

    const since = (await on(0, 'sleep 1; date +%s')).trim();
    const first = await kplay(...args);
    expect(failures(first), first.stdout + first.stderr).to.deep.equal([]);
    expect(first.code, first.stderr).to.equal(0);
    expect(mispredictions(check, first)).to.deep.equal([]);
    for (const i of [0, 1]) {
      expect(await on(i, 'systemctl is-active containerd; systemctl is-enabled containerd')).to.equal('active\nenabled\n');
      expect(await on(i, 'ctr version')).to.match(/Server:\s+Version:\s+1\.6\.20/);
      expect(await on(i, 'systemctl show containerd -p FragmentPath -p ExecStart')).to.contain('FragmentPath=/etc/systemd/system/containerd.service').and.to.contain('path=/usr/bin/containerd');
      const dump = await on(i, 'containerd config dump');
      expect(dump).to.match(/^version = 2$/m);
      expect(dump).to.match(/SystemdCgroup = true/);
      expect(dump).to.match(/NoNewKeyring = true/);
      expect(dump).to.match(/restrict_oom_score_adj = true/);
      expect(dump).to.contain('sandbox_image = "registry.k8s.io/pause:3.10.1"');
      expect(dump).to.contain('BinaryName = "/usr/sbin/runc"');
      expect(dump).to.contain('bin_dir = "/usr/lib/cni"');
      expect(dump).to.contain('config_path = "/etc/containerd/certs.d"');
      expect(await on(i, 'cat /etc/crictl.yaml')).to.contain('runtime-endpoint: unix:///run/containerd/containerd.sock');
      // Debian's containerd was running already: the changed config and unit restarted it once
      expect(await startsSince(i, since), 'restarts').to.equal(1);
    }

    const since2 = (await on(0, 'sleep 1; date +%s')).trim();
    const second = await kplay(...args);
    expectNoChange(second);
    const after = await kplay(...args, '--check', '--diff');
    expectNoChange(after);
    for (const i of [0, 1]) expect(await startsSince(i, since2), 'restarts by unchanged runs').to.equal(0);
    console.log(`      [containerd] 2 hosts: check ${seconds(check)} s, first run ${seconds(first)} s, second run ${seconds(second)} s, check after ${seconds(after)} s`);
  });

  it('a new registry mirror writes its hosts.toml and restarts containerd exactly once', async function () {
    this.timeout(120_000);
    const mirrors = [{ prefix: 'registry.k8s.io', mirrors: [{ host: 'http://198.18.0.1:5000', capabilities: ['pull', 'resolve'], skip_verify: true }] }];
    const withMirror = [...args, '-e', JSON.stringify({ containerd_registries_mirrors: mirrors })];
    const since = (await on(0, 'sleep 1; date +%s')).trim();
    const r = await kplay(...withMirror);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const restarts = r.events.filter((e) => e.type === 'host_result' && e.task === 'containerd : restart containerd' && e.status === 'changed');
    expect(restarts, JSON.stringify(r.events.filter((e) => e.type === 'host_result' && e.status === 'changed'))).to.have.length(2);
    for (const i of [0, 1]) {
      const toml = await on(i, 'cat /etc/containerd/certs.d/registry.k8s.io/hosts.toml');
      expect(toml).to.contain('server = "https://registry.k8s.io"').and.to.contain('[host."http://198.18.0.1:5000"]').and.to.contain('capabilities = ["pull", "resolve"]').and.to.contain('skip_verify = true');
      expect(await startsSince(i, since), 'restarts').to.equal(1);
      expect(await on(i, 'systemctl is-active containerd')).to.equal('active\n');
    }
    const again = await kplay(...withMirror);
    expectNoChange(again);
  });
});

describe('role container-engine/containerd on a lab host prepared for Kubernetes (preload of local images)', function () {
  let rl: RoleLab | undefined;
  let lab: RoleLab['lab'];
  let host: Transport;
  let dir: string;
  let args: string[];

  before(async function () {
    rl = await startContainerdLab(this, 1, { name: 'containerd-k8s', kubernetes: true });
    ({ lab, dir } = rl);
    host = rl.hosts[0]!;
    // the lab's own group_vars (Debian's components, the local pause image, the preload list)
    args = ['run', join(dir, 'containerd.yml'), '-i', join(dir, 'hosts.ini'), '-e', `@${lab.kubernetes!.groupVarsPath}`, '--json'];
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await rl?.stop();
  });

  const preload = (r: KplayRun, status: string) => r.events.filter((e) => e.type === 'host_result' && e.task === 'containerd : Preload images (air-gapped)' && e.status === status).map((e) => e.item);
  const ls = async () => (await host.exec('ctr -n k8s.io images ls -q')).stdout;

  it('imports the local pause and busybox images once, check mode predicts it, and containerd pins the pause image as its sandbox', async function () {
    this.timeout(300_000);
    const images = lab.kubernetes!.images;
    expect(await ls()).to.not.contain(images.pause.image);
    // check mode on the fresh host: each import is predicted (containerd_image reads, never imports)
    const check = await kplay(...args, '--check');
    expect(failures(check), check.stdout + check.stderr).to.deep.equal([]);
    expect(preload(check, 'changed')).to.have.members([images.pause.image, images.busybox.image]);
    expect(await ls()).to.not.contain(images.pause.image);

    const first = await kplay(...args);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(preload(first, 'changed')).to.have.members([images.pause.image, images.busybox.image]);
    expect(mispredictions(check, first)).to.deep.equal([]);
    const listed = await ls();
    expect(listed).to.contain(images.pause.image).and.to.contain(images.busybox.image);
    expect((await host.exec('containerd config dump')).stdout).to.contain(`sandbox_image = "${images.pause.image}"`);
    const second = await kplay(...args);
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(recap(second)[lab.hosts[0]!.name]!.changed).to.equal(0);
    const after = await kplay(...args, '--check');
    expect(after.code, after.stdout + after.stderr).to.equal(0);
    expect(recap(after)[lab.hosts[0]!.name]!.changed).to.equal(0);
    expect(preload(after, 'ok')).to.have.members([images.pause.image, images.busybox.image]);
  });

  /** One containerd_image task on the lab host (Debian's ctr), in check mode or for real. */
  const imageTask = async (task: Record<string, unknown>, check: boolean) => {
    const file = join(dir, 'image.yml');
    writeFileSync(file, JSON.stringify([{ hosts: 'kube_node', gather_facts: false, tasks: [{ name: 'image', containerd_image: { ctr: '/usr/bin/ctr', ...task } }] }]));
    const r = await kplay('run', file, '-i', join(dir, 'hosts.ini'), '--json', ...(check ? ['--check'] : []));
    const res = r.events.find((e) => e.type === 'host_result' && e.task === 'image');
    expect(res, r.stdout + r.stderr).to.not.equal(undefined);
    return res as { status: string; msg?: string };
  };

  it('containerd_image: absent removes an image once and present imports it back; a missing archive and an archive of another name fail clearly', async function () {
    this.timeout(120_000);
    const { busybox, pause } = lab.kubernetes!.images;
    // containerd runs and has both images after the role's test above; alone (-g), this does it
    expect((await host.exec('systemctl start containerd')).rc).to.equal(0);
    for (const i of [busybox, pause]) {
      const r = await imageTask({ name: i.image, archive: i.archive }, false);
      expect(r.status, r.msg).to.be.oneOf(['ok', 'changed']);
    }
    expect(await imageTask({ name: busybox.image, state: 'absent' }, true)).to.include({ status: 'changed' });
    expect(await imageTask({ name: busybox.image, state: 'absent' }, false)).to.include({ status: 'changed' });
    const left = await ls();
    expect(left).to.not.contain(busybox.image);
    expect(left).to.contain(pause.image);
    expect(await imageTask({ name: busybox.image, state: 'absent' }, false)).to.include({ status: 'ok' });

    const missing = { name: busybox.image, archive: '/var/lib/kplay-lab/images/missing.tar' };
    for (const check of [true, false]) {
      expect(await imageTask(missing, check), `check ${check}`).to.deep.include({ status: 'failed', msg: `cannot import ${busybox.image}: the archive /var/lib/kplay-lab/images/missing.tar is not on the host` });
    }
    // the pause archive does not hold a busybox image: imported, then the task fails and says what it held
    const wrong = await imageTask({ name: busybox.image, archive: pause.archive }, false);
    expect(wrong).to.deep.include({ status: 'failed', msg: `imported ${pause.archive}, but ${busybox.image} is not in containerd's k8s.io namespace: it holds ${pause.image}` });

    expect(await imageTask({ name: busybox.image, archive: busybox.archive }, true)).to.include({ status: 'changed' });
    expect(await imageTask({ name: busybox.image, archive: busybox.archive }, false)).to.include({ status: 'changed' });
    expect(await ls()).to.contain(busybox.image);
    expect(await imageTask({ name: busybox.image, archive: busybox.archive }, false)).to.include({ status: 'ok' });
    expect(await imageTask({ name: busybox.image, archive: busybox.archive }, true)).to.include({ status: 'ok' });
  });
});
