/**
 * The first plays of site.yml (playbooks/facts.yml) on wrong inventories: the run stops in the
 * validation play, on the controller, with a message that names the variable, its value and the
 * file and line that value came from (or the role default, or -e), and no host is
 * contacted (the hosts are TEST-NET addresses with no credentials: a connection attempt would be
 * reported as UNREACHABLE). Also: kplay init, and a bare playbook name resolving to the shipped one.
 */
import { expect } from 'chai';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kplay } from '../../support/kplay.ts';

const repo = join(import.meta.dirname, '../../..');

describe('site.yml inventory validation (playbooks/facts.yml)', function () {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-validate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** inventory/ha with its addresses moved to TEST-NET-1 and one edit applied. */
  function haInventory(
    name: string,
    edit: (files: { ini: string; all: string; cluster: string }) => Partial<{ ini: string; all: string; cluster: string; hostVars: Record<string, string> }>,
  ): string {
    const d = join(dir, name);
    cpSync(join(repo, 'inventory/ha'), d, { recursive: true });
    const paths = { ini: join(d, 'inventory.ini'), all: join(d, 'group_vars/all/all.yml'), cluster: join(d, 'group_vars/k8s_cluster/k8s-cluster.yml') };
    const files = { ini: readFileSync(paths.ini, 'utf8').replaceAll('198.18.0.', '192.0.2.'), all: readFileSync(paths.all, 'utf8').replaceAll('198.18.0.', '192.0.2.'), cluster: readFileSync(paths.cluster, 'utf8') };
    const changed = { ...files, ...edit(files) };
    for (const k of ['ini', 'all', 'cluster'] as const) writeFileSync(paths[k], changed[k]);
    for (const [host, text] of Object.entries(changed.hostVars ?? {})) {
      mkdirSync(join(d, 'host_vars'), { recursive: true });
      writeFileSync(join(d, 'host_vars', `${host}.yml`), text);
    }
    return d;
  }

  /** A regexp for the literal text `t`. */
  const lit = (t: string): string => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const defaults = join(repo, 'roles/cluster_defaults/defaults/main.yml');

  // Each case: the edit, extra CLI arguments, and the message, which names the variable, its value
  // and the exact file and line the value came from (kplay_var_origin), given the inventory dir.
  const cases: [string, Parameters<typeof haInventory>[1], string[], (d: string) => RegExp][] = [
    ['an even etcd count', (f) => ({ ini: f.ini.replace(/^cp3 .*$/m, '') }), [], (d) => new RegExp(`groups\\.etcd has 2 members \\(cp1, cp2\\): etcd needs an odd number .*\\(${lit(join(d, 'inventory.ini'))}: \\[etcd\\]\\)`)],
    [
      'overlapping pod and service networks',
      () => ({ cluster: '# networks\nkube_pods_subnet: 10.100.0.0/16\nkube_service_addresses: 10.96.0.0/12\n' }),
      [],
      (d) =>
        new RegExp(
          `kube_pods_subnet \\(10\\.100\\.0\\.0/16, from ${lit(join(d, 'group_vars/k8s_cluster/k8s-cluster.yml'))}:2\\) overlaps kube_service_addresses \\(10\\.96\\.0\\.0/12, from ${lit(join(d, 'group_vars/k8s_cluster/k8s-cluster.yml'))}:3\\)`,
        ),
    ],
    [
      'a pod network over the hosts',
      () => ({ cluster: 'kube_pods_subnet: 192.0.2.0/24\n' }),
      [],
      (d) =>
        new RegExp(
          `cp1's address 192\\.0\\.2\\.11 \\(ip, from ${lit(join(d, 'inventory.ini'))}:7\\) lies inside kube_pods_subnet \\(192\\.0\\.2\\.0/24, from ${lit(join(d, 'group_vars/k8s_cluster/k8s-cluster.yml'))}:1\\) or kube_service_addresses \\(10\\.96\\.0\\.0/12, from the default of role cluster_defaults \\(${lit(defaults)}:\\d+\\)\\)`,
        ),
    ],
    [
      'no VIP for 3 control planes',
      (f) => ({ all: f.all.replace(/^loadbalancer_apiserver:\n(  .*\n)+/m, '') }),
      [],
      () => new RegExp(`3 control planes need loadbalancer_apiserver: .*\\(loadbalancer_apiserver is "", from the default of role cluster_defaults \\(${lit(defaults)}:\\d+\\)`),
    ],
    [
      'a VIP inside the pod network',
      (f) => ({ all: f.all.replace('address: 192.0.2.10', 'address: 10.244.0.10') }),
      [],
      (d) => new RegExp(`loadbalancer_apiserver\\.address \\(10\\.244\\.0\\.10, from ${lit(join(d, 'group_vars/all/all.yml'))}:12\\) lies inside kube_pods_subnet`),
    ],
    [
      "a pod network in the first host's host_vars",
      () => ({ hostVars: { cp1: '---\n# mine\nkube_pods_subnet: 10.100.0.0/16\n' } }),
      [],
      (d) => new RegExp(`kube_pods_subnet \\(10\\.100\\.0\\.0/16, from ${lit(join(d, 'host_vars/cp1.yml'))}:3\\) overlaps kube_service_addresses`),
    ],
    ['a pod network given with -e', () => ({}), ['-e', 'kube_pods_subnet=10.100.0.0/16'], () => /kube_pods_subnet \(10\.100\.0\.0\/16, from extra vars \(-e\)\) overlaps/],
  ];
  for (const [what, edit, args, message] of cases) {
    it(`${what}: fails in the validation play naming the variable and the file and line of its value, contacting no host`, async function () {
      this.timeout(30_000);
      const inv = haInventory(what.replace(/\W+/g, '-'), edit);
      const r = await kplay('run', 'facts.yml', '-i', inv, ...args);
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stdout).to.match(message(inv));
      expect(r.stdout).to.match(/PLAY \[Validate the inventory\]/);
      expect(r.stdout).not.to.match(/UNREACHABLE|TASK \[Gathering Facts\]|TASK \[setup\]/);
    });
  }

  it('the shipped inventories pass (list the plan of site.yml without contacting a host)', async function () {
    this.timeout(30_000);
    for (const inv of ['inventory/sample', 'inventory/ha']) {
      const r = await kplay('run', join(repo, 'playbooks/site.yml'), '-i', join(repo, inv), '--syntax-check');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
    }
  });

  it('kplay init copies inventory/sample (or --from ha) and refuses to overwrite', async () => {
    const dest = join(dir, 'mycluster');
    const r = await kplay('init', dest);
    expect(r.code, r.stderr).to.equal(0);
    expect(readFileSync(join(dest, 'inventory.ini'), 'utf8')).to.equal(readFileSync(join(repo, 'inventory/sample/inventory.ini'), 'utf8'));
    expect(existsSync(join(dest, 'group_vars/k8s_cluster/k8s-cluster.yml'))).to.equal(true);
    writeFileSync(join(dest, 'inventory.ini'), 'mine');
    const again = await kplay('init', dest);
    expect(again.code).to.equal(5);
    expect(again.stderr).to.match(/exists: kplay init never overwrites/);
    expect(readFileSync(join(dest, 'inventory.ini'), 'utf8')).to.equal('mine');
    const ha = await kplay('init', join(dir, 'ha'), '--from', 'ha');
    expect(ha.code).to.equal(0);
    expect(readFileSync(join(dir, 'ha/inventory.ini'), 'utf8')).to.match(/cp3/);
  });

  it('a bare playbook name that is no file here runs the playbook kplay ships, and says so first', async () => {
    const r = await kplay('run', 'site.yml', '-i', join(repo, 'inventory/sample'), '--syntax-check');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\n')[0]).to.equal(`kplay: no site.yml here: running the playbook kplay ships, ${join(repo, 'playbooks/site.yml')}`);
    const missing = await kplay('run', 'nosuch.yml', '--syntax-check');
    expect(missing.code).to.equal(5);
    expect(missing.stderr).to.match(/kplay ships .*site\.yml/);
  });
});
