/**
 * Taint on a real lab host (issue 18): a managed host that answers with template text —
 * `{{lookup 'file' <controller key>}}`, `{{lookup 'env' …}}` in a command's output, its hostname or
 * /etc/os-release — gets that text written back literally; the controller's file and environment
 * never leave the controller, whatever path the text takes (register, set_fact, dicts, hostvars,
 * loop items, template variables, rescue, facts).
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../support/lab.ts';
import { kplay } from '../../support/kplay.ts';
import type { Transport } from '../../../engine/transport/transport.ts';
import { expectedOutputs, LEAK_TEMPLATE, payloads, taintPlaybook } from './taint-playbook.ts';

const SECRET = 'CONTROLLER-SECRET-9e107d9d372bb682';
const ENV = 'KPLAY_TAINT_LAB_SECRET';
const HOST_DIR = '/root/kplay-taint';

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

describe('taint on a lab host: what the host sends back is written literally', function () {
  let lab: Lab;
  let t: Transport;
  let dir: string;
  let secretFile: string;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(1, { name: 'taint' });
    t = await lab.transport(0);
    dir = mkdtempSync(join(tmpdir(), 'kplay-taint-lab-'));
    secretFile = join(dir, 'controller-key');
    writeFileSync(secretFile, SECRET);
    process.env[ENV] = SECRET;
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    delete process.env[ENV];
    await lab?.stop();
  });

  async function sh(cmd: string): Promise<string> {
    const r = await t.exec(cmd);
    if (r.rc !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    return r.stdout;
  }

  it('registered output through register, set_fact, dicts, hostvars, loop items, a template and rescue', async function () {
    this.timeout(120_000);
    const p = payloads(secretFile, ENV);
    await sh(`rm -rf ${HOST_DIR} && mkdir -p ${HOST_DIR}/out && printf '%s\\n%s\\n' ${q(p.file)} ${q(p.env)} > ${HOST_DIR}/payload && printf '%s' ${q(p.missing)} > ${HOST_DIR}/missing`);
    writeFileSync(join(dir, 'leak.hbs'), LEAK_TEMPLATE);
    writeFileSync(join(dir, 'site.yml'), taintPlaybook(lab.hosts[0]!.name, HOST_DIR, join(dir, 'leak.hbs')));
    const r = await kplay('run', join(dir, 'site.yml'), '-i', lab.inventoryPath, '--json');
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    for (const [name, want] of Object.entries(expectedOutputs(p.file, p.env))) {
      expect(await sh(`cat ${HOST_DIR}/out/${name}`), name).to.equal(want);
    }
    expect(await sh(`grep -rl ${SECRET} ${HOST_DIR} || true`)).to.equal('');
    expect(r.stdout + r.stderr).not.to.include(SECRET);
  });

  // hostname(1) refuses such a name; the kernel takes any bytes (sethostname is syscall 170 on x86_64)
  const setHostname = (name: string) => sh(`perl -e '$h = shift; syscall(170, $h, length $h) == 0 or die "sethostname: $!"' ${q(name)}`);

  it("facts: a hostname and an os-release field made of template text are written literally", async function () {
    this.timeout(120_000);
    const p = payloads(secretFile, ENV);
    const hostname = (await sh('cat /proc/sys/kernel/hostname')).trim();
    const osRelease = await sh('cat /etc/os-release');
    try {
      await setHostname(p.env);
      await sh(`sed -i 's|^VERSION_CODENAME=.*|VERSION_CODENAME="${p.file.replaceAll("'", "'\\''")}"|' /etc/os-release`);
      await sh(`mkdir -p ${HOST_DIR}/facts`);
      writeFileSync(
        join(dir, 'facts.yml'),
        `
- hosts: ${lab.hosts[0]!.name}
  gather_facts: true
  tasks:
    - copy: { dest: "${HOST_DIR}/facts/hostname", content: "{{ansible_hostname}}" }
    - copy: { dest: "${HOST_DIR}/facts/short", content: "{{ansible_facts.hostname}}" }
    - copy: { dest: "${HOST_DIR}/facts/release", content: "{{ansible_distribution_release}}" }
    - set_fact: { rel: "{{ansible_distribution_release}}" }
    - copy: { dest: "${HOST_DIR}/facts/set_fact", content: "{{rel}}" }
`,
      );
      const r = await kplay('run', join(dir, 'facts.yml'), '-i', lab.inventoryPath, '--json');
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(await sh(`cat ${HOST_DIR}/facts/hostname`)).to.equal(p.env);
      expect(await sh(`cat ${HOST_DIR}/facts/short`)).to.equal(p.env);
      expect(await sh(`cat ${HOST_DIR}/facts/release`)).to.equal(p.file);
      expect(await sh(`cat ${HOST_DIR}/facts/set_fact`)).to.equal(p.file);
      expect(r.stdout + r.stderr).not.to.include(SECRET);
    } finally {
      await setHostname(hostname);
      await sh(`printf '%s' ${q(osRelease)} > /etc/os-release`);
    }
  });
});
