/**
 * The k8s module against a REAL etcd + kube-apiserver v1.36.3 on loopback (test/support/apiserver.ts),
 * with the real kubectl v1.36.3, on the local machine (LocalTransport), and once through the CLI
 * (console, --diff and --json) to prove that Secret data and the kubeconfig never show.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../engine/transport/local.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { kplay, recap } from '../../../support/kplay.ts';
import { apiserverUnavailable, startApiserver, type Apiserver } from '../../../support/apiserver.ts';
import { k8s } from '../../../../modules/cluster/k8s/k8s.ts';
import type { ModuleOutcome } from '../../../../engine/executor/run-module.ts';

const t = new LocalTransport('localhost');
const SECRET = 'hunter2-very-secret-value';
const SECRET_B64 = Buffer.from(SECRET).toString('base64');
const SECRET2 = 'second-secret-value-42';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.kplay.test' },
  spec: {
    group: 'kplay.test',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

const manifest = (value: string) => `# a namespace, a ConfigMap and a Secret in it, a CRD and a custom resource of it
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: kplay-demo }
data: { level: "${value}" }
---
apiVersion: v1
kind: Namespace
metadata: { name: kplay-demo }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: kplay-demo }
type: Opaque
stringData: { password: "{{password}}" }
---
apiVersion: kplay.test/v1
kind: Widget
metadata: { name: w1, namespace: kplay-demo }
spec: { size: 3 }
---
${JSON.stringify(crd)}
`;

describe('k8s module against a real kube-apiserver', function () {
  this.timeout(180_000);
  let api: Apiserver;
  let dir: string;
  const run = (args: Record<string, unknown>, o: { check?: boolean; vars?: Record<string, unknown> } = {}): Promise<ModuleOutcome> =>
    runModuleOn(t, k8s, { kubectl: api.kubectl, kubeconfig: api.kubeconfig, ...args }, { playbookDir: dir, vars: { password: SECRET, ...o.vars }, ...(o.check ? { check: true } : {}) });
  const everything = (r: ModuleOutcome) => JSON.stringify(r);
  const get = (...a: string[]) => JSON.parse(api.kubectlRun(['get', ...a, '-o', 'json'])) as Record<string, unknown> & { data?: Record<string, string>; metadata: Record<string, unknown> };

  before(async function () {
    const why = apiserverUnavailable();
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    api = await startApiserver();
    dir = mkdtempSync(join(tmpdir(), 'kplay-k8s-test-'));
    writeFileSync(join(dir, 'demo.yaml.hbs'), manifest('1'));
  });
  after(async () => {
    await api?.stop();
  });

  it('check mode on an empty cluster predicts every object and creates nothing', async () => {
    const r = await run({ src: 'demo.yaml.hbs' }, { check: true });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changes.map((c) => c.summary)).to.deep.equal([
      'create Namespace kplay-demo',
      'create CustomResourceDefinition widgets.kplay.test',
      'create ConfigMap kplay-demo/settings',
      'create Secret kplay-demo/creds',
      'create Widget kplay-demo/w1',
    ]);
    expect(everything(r)).not.to.include(SECRET).and.not.to.include(SECRET_B64);
    expect(r.changes[3]!.diff!.after).to.include('password: <masked>');
    expect(() => api.kubectlRun(['get', 'namespace', 'kplay-demo'])).to.throw(/NotFound/);
  });

  it('applies a Namespace, a ConfigMap, a Secret, a CRD (waited Established) and a custom resource of it', async () => {
    const r = await run({ src: 'demo.yaml.hbs', wait: true });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changed).to.equal(true);
    expect(r.result.created).to.have.length(5);
    expect(everything(r)).not.to.include(SECRET).and.not.to.include(SECRET_B64);
    const established = (get('crd', 'widgets.kplay.test').status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'Established');
    expect(established?.status).to.equal('True');
    expect(get('configmap', '-n', 'kplay-demo', 'settings').data).to.deep.equal({ level: '1' });
    expect(Buffer.from(get('secret', '-n', 'kplay-demo', 'creds').data!.password!, 'base64').toString()).to.equal(SECRET);
    expect(get('widget', '-n', 'kplay-demo', 'w1').spec).to.deep.equal({ size: 3 });
    const managers = (get('configmap', '-n', 'kplay-demo', 'settings', '--show-managed-fields').metadata.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}:${m.operation}`);
    expect(managers).to.deep.equal(['kplay:Apply']);
  });

  it('a second apply, and a check after it, report changed=0', async () => {
    for (const check of [false, true]) {
      const r = await run({ src: 'demo.yaml.hbs', wait: true }, { check });
      expect(r.failed, r.msg).to.equal(false);
      expect(r.changed, JSON.stringify(r.changes)).to.equal(false);
      expect(r.result.unchanged).to.have.length(5);
    }
  });

  it('check mode after a value changed shows exactly that diff and changes nothing', async () => {
    writeFileSync(join(dir, 'demo.yaml.hbs'), manifest('2'));
    const versions = () => api.kubectlRun(['get', 'namespaces,configmaps,secrets,crd,widgets', '-A', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\\n"}{end}']);
    const before = versions();
    expect(before).to.include('ConfigMap/settings=').and.to.include('Secret/creds=');
    const r = await run({ src: 'demo.yaml.hbs' }, { check: true, vars: { password: SECRET2 } });
    expect(versions()).to.equal(before);
    expect(r.failed, r.msg).to.equal(false);
    expect(r.changes.map((c) => c.summary)).to.deep.equal(['configure ConfigMap kplay-demo/settings', 'configure Secret kplay-demo/creds']);
    const [cm, secret] = r.changes.map((c) => c.diff!);
    const changedLines = (d: { before: string; after: string }) => {
      const b = d.before.split('\n');
      const a = d.after.split('\n');
      return { removed: b.filter((l) => !a.includes(l)), added: a.filter((l) => !b.includes(l)) };
    };
    expect(changedLines(cm!)).to.deep.equal({ removed: ["  level: '1'"], added: ["  level: '2'"] });
    expect(changedLines(secret!)).to.deep.equal({ removed: ['  password: <masked>'], added: ['  password: <masked, changed>'] });
    expect(everything(r)).not.to.include(SECRET).and.not.to.include(SECRET2).and.not.to.include(SECRET_B64);
    expect(get('configmap', '-n', 'kplay-demo', 'settings').data).to.deep.equal({ level: '1' });
    expect(Buffer.from(get('secret', '-n', 'kplay-demo', 'creds').data!.password!, 'base64').toString()).to.equal(SECRET);
    writeFileSync(join(dir, 'demo.yaml.hbs'), manifest('1'));
  });

  it('inline definition: a list of objects; namespace applies to objects that name none', async () => {
    const definition = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inline-a' }, data: { x: 'a' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'inline-sa' } },
    ];
    const r = await run({ definition, namespace: 'kplay-demo' });
    expect(r.failed, r.msg).to.equal(false);
    expect(r.result.created).to.deep.equal(['ConfigMap kplay-demo/inline-a', 'ServiceAccount kplay-demo/inline-sa']);
    expect((await run({ definition, namespace: 'kplay-demo' })).changed).to.equal(false);
    const wrong = await run({ definition: { ...definition[0], metadata: { name: 'x', namespace: 'other' } }, namespace: 'kplay-demo' });
    expect(wrong.failed).to.equal(true);
    expect(wrong.msg).to.match(/names namespace other, not kplay-demo/);
  });

  it('a field owned by another manager is a conflict unless force_conflicts', async () => {
    api.kubectlRun(['apply', '--server-side', '--field-manager=someone-else', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contested', namespace: 'kplay-demo' }, data: { k: 'theirs' } }));
    const def = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'contested', namespace: 'kplay-demo' }, data: { k: 'ours' } };
    const r = await run({ definition: def });
    expect(r.failed).to.equal(true);
    expect(r.msg).to.match(/conflict/i);
    const forced = await run({ definition: def, force_conflicts: true });
    expect(forced.failed, forced.msg).to.equal(false);
    expect(forced.result.configured).to.deep.equal(['ConfigMap kplay-demo/contested']);
    expect(get('configmap', '-n', 'kplay-demo', 'contested').data).to.deep.equal({ k: 'ours' });
  });

  it('wait_condition that holds passes; a Deployment that never rolls out (no kubelet) times out with a message', async () => {
    const ok = await run({ definition: crd, wait_condition: { type: 'NamesAccepted' } });
    expect(ok.failed, ok.msg).to.equal(false);
    expect(ok.changed).to.equal(false);
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'never', namespace: 'kplay-demo' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'never' } }, template: { metadata: { labels: { app: 'never' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    };
    const r = await run({ definition: deploy, wait: true, wait_timeout: 2 });
    expect(r.failed).to.equal(true);
    expect(r.msg).to.match(/rollout status/).and.to.match(/timed out|exceeded/i);
    // it was applied; the next run changes nothing and still waits (and still times out)
    const again = await run({ definition: deploy, wait: true, wait_timeout: 1 });
    expect(again.changed).to.equal(false);
    expect(again.failed).to.equal(true);
    expect(again.msg).to.match(/timed out|exceeded/i);
  });

  it('state absent deletes the objects that exist (changed), then reports changed=0', async () => {
    const args = { src: 'demo.yaml.hbs', state: 'absent' };
    const check = await run(args, { check: true });
    expect(check.changes.map((c) => c.summary)).to.deep.equal([
      'delete Widget kplay-demo/w1',
      'delete Secret kplay-demo/creds',
      'delete ConfigMap kplay-demo/settings',
      'delete CustomResourceDefinition widgets.kplay.test',
      'delete Namespace kplay-demo',
    ]);
    expect(everything(check)).not.to.include(SECRET_B64);
    expect(api.kubectlRun(['get', 'configmap', '-n', 'kplay-demo', 'settings', '-o', 'name']).trim()).to.equal('configmap/settings');
    const r = await run(args);
    expect(r.failed, r.msg).to.equal(false);
    expect(r.result.deleted).to.have.length(5);
    expect(() => api.kubectlRun(['get', 'configmap', '-n', 'kplay-demo', 'settings'])).to.throw(/NotFound/);
    // no controller-manager here: the namespace stays Terminating, so only objects without finalizers are gone
    const again = await run({ definition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kplay-demo' } }, state: 'absent' });
    expect(again.failed, again.msg).to.equal(false);
    expect(again.changed).to.equal(false);
  });

  it('an unreachable cluster: check mode plans from the rendered objects, a real run fails saying why', async () => {
    const args = { definition: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1' } } };
    const missing = join(dir, 'no-such.conf');
    const check = await run({ ...args, kubeconfig: missing }, { check: true });
    expect(check.failed, check.msg).to.equal(false);
    expect(check.changes.map((c) => c.summary)).to.deep.equal([`create ConfigMap default/x (the cluster is not reachable: the kubeconfig ${missing} is not on the host)`]);
    const down = join(dir, 'down.conf');
    writeFileSync(down, readFileSync(api.kubeconfig, 'utf8').replace(api.server, 'https://127.0.0.1:1'), { mode: 0o600 });
    const c2 = await run({ ...args, kubeconfig: down }, { check: true });
    expect(c2.changes[0]!.summary).to.match(/not reachable: .*connection refused/);
    const real = await run({ ...args, kubeconfig: down });
    expect(real.failed).to.equal(true);
    expect(real.msg).to.match(/cannot reach the cluster/);
    expect(everything(real)).not.to.include('client-key-data').and.not.to.include('BEGIN');
  });

  it('through the CLI with --diff and --json: Secret data and the kubeconfig never appear', async () => {
    writeFileSync(join(dir, 'inv.ini'), 'box ansible_connection=local\n');
    writeFileSync(
      join(dir, 'pb.yml'),
      [
        '- hosts: box',
        '  gather_facts: false',
        '  vars:',
        `    password: ${SECRET}`,
        '  tasks:',
        '    - name: secret and config',
        '      k8s:',
        `        kubectl: ${api.kubectl}`,
        `        kubeconfig: ${api.kubeconfig}`,
        '        definition:',
        '          - { apiVersion: v1, kind: Secret, metadata: { name: cli-creds, namespace: default }, stringData: { password: "{{password}}" } }',
        '          - { apiVersion: v1, kind: ConfigMap, metadata: { name: cli-config, namespace: default }, data: { a: "1" } }',
        '',
      ].join('\n'),
    );
    const kubeconfigText = readFileSync(api.kubeconfig, 'utf8');
    const keyData = /client-key-data: (\S+)/.exec(kubeconfigText)![1]!;
    for (const args of [['--check', '--diff'], ['--diff'], ['--diff', '--json'], ['--check', '--diff', '--json']]) {
      const r = await kplay('run', join(dir, 'pb.yml'), '-i', join(dir, 'inv.ini'), ...args);
      const out = r.stdout + r.stderr;
      expect(r.code, out).to.equal(0);
      expect(out).not.to.include(SECRET).and.not.to.include(SECRET_B64).and.not.to.include(keyData.slice(0, 40));
      if (args.includes('--json')) expect(recap(r).box!.changed).to.equal(0);
      else if (!args.includes('--check')) expect(out).to.include('password: <masked>');
    }
  });
});
