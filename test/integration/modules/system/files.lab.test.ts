/** file, copy, template, lineinfile, blockinfile, command, shell on a real systemd host over SSH. */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab, startLab, type Lab } from '../../../support/lab.ts';
import type { AnyModule } from '../../../../modules/api.ts';
import type { Transport } from '../../../../engine/transport/transport.ts';
import { HostLedger } from '../../../../engine/executor/ledger.ts';
import { runModuleOn } from '../../../support/module-harness.ts';
import { converge, snapshot } from './converge.ts';
import { file } from '../../../../modules/system/file.ts';
import { copy } from '../../../../modules/system/copy.ts';
import { template } from '../../../../modules/system/template.ts';
import { lineinfile } from '../../../../modules/system/lineinfile.ts';
import { blockinfile } from '../../../../modules/system/blockinfile.ts';
import { command } from '../../../../modules/system/command.ts';
import { shell } from '../../../../modules/system/shell.ts';

const ROOTS = ['/etc', '/usr/local', '/var/lib', '/opt'];

describe('system file modules on a lab host (real ssh, systemd)', function () {
  let lab: Lab | undefined;
  let t: Transport;
  let pb: string;
  before(async function () {
    this.timeout(LAB_START_TIMEOUT_MS);
    requireLab(this);
    lab = await startLab(2, { name: 'sys' });
    t = await lab.transport(0);
    pb = mkdtempSync(join(tmpdir(), 'kplay-sys-pb-'));
    mkdirSync(`${pb}/files/conf.d`, { recursive: true });
    mkdirSync(`${pb}/templates`);
    writeFileSync(`${pb}/files/conf.d/a.conf`, 'a=1\n');
    writeFileSync(`${pb}/files/conf.d/b.conf`, 'b=2\n');
    writeFileSync(`${pb}/templates/app.conf.hbs`, 'host={{inventory_hostname}}\n');
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    if (pb) rmSync(pb, { recursive: true, force: true });
    await lab?.stop();
  });

  it('a whole check run on a fresh host writes nothing and predicts the real run; the second run changes nothing', async function () {
    this.timeout(120_000);
    const tasks: [AnyModule, Record<string, unknown>][] = [
      [file, { path: '/opt/app/etc', state: 'directory', mode: '0750' }],
      [copy, { src: 'conf.d/', dest: '/opt/app/etc/conf.d/' }],
      [copy, { content: 'x=1\n', dest: '/opt/app/etc/app.env', mode: '0600', force: false }],
      [template, { src: 'app.conf.hbs', dest: '/opt/app/etc/app.conf' }],
      [lineinfile, { path: '/opt/app/etc/app.env', regexp: '^x=', line: 'x=2' }],
      [blockinfile, { path: '/etc/hosts', block: '198.18.0.11 h1\n198.18.0.12 h2' }],
      [file, { path: '/usr/local/bin/app-env', state: 'link', src: '/opt/app/etc/app.env' }],
      [file, { path: '/opt/app/etc/app.env', owner: 'kplay', group: 'kplay' }],
      [command, { argv: ['cp', '/opt/app/etc/app.conf', '/opt/app/etc/copied'], creates: '/opt/app/etc/copied' }],
      [shell, { cmd: 'echo "$(hostname)" > /opt/app/etc/name', creates: '/opt/app/etc/name' }],
    ];
    const o = { playbookDir: pb, vars: { inventory_hostname: 'h1' } };
    const before = await snapshot(t, ROOTS, true);
    const ledger = new HostLedger();
    const check = [];
    for (const [m, a] of tasks) check.push(await runModuleOn(t, m, a, { ...o, check: true, ledger }));
    expect(check.map((r) => r.msg ?? ''), 'check mode fails nothing').to.deep.equal(tasks.map(() => ''));
    expect(await snapshot(t, ROOTS, true), 'check mode wrote nothing').to.equal(before);
    const real = [];
    for (const [m, a] of tasks) real.push(await runModuleOn(t, m, a, o));
    expect(real.map((r) => r.failed)).to.deep.equal(tasks.map(() => false));
    expect(check.map((r) => r.changes.map((c) => c.summary))).to.deep.equal(real.map((r) => r.changes.map((c) => c.summary)));
    expect(real.every((r) => r.changed)).to.equal(true);
    expect(check[4]!.changes[0]!.diff).to.deep.equal(real[4]!.changes[0]!.diff);
    const again = [];
    for (const [m, a] of tasks) again.push(await runModuleOn(t, m, a, o));
    expect(again.map((r) => r.changes.map((c) => c.summary))).to.deep.equal(tasks.map(() => []));
    expect((await t.exec('cat /opt/app/etc/app.env /opt/app/etc/name /opt/app/etc/copied; stat -c %U:%a /opt/app/etc/app.env')).stdout).to.equal('x=2\nkplay-sys-h1\nhost=h1\nkplay:600\n');
  });

  it('converges each module alone, with become from a sudo user', async function () {
    this.timeout(120_000);
    const u = await lab!.transport(1, 'kplay');
    const o = { become: { method: 'sudo' as const, user: 'root' }, units: true };
    await converge(u, file, { path: '/etc/kplay', state: 'directory', mode: '0700' }, ROOTS, o);
    const r = await converge(u, copy, { content: 'secret=1\n', dest: '/etc/kplay/a.conf', mode: '0600' }, ROOTS, o);
    expect(r.first.changes[0]!.diff!.after).to.equal('secret=1\n');
    await converge(u, lineinfile, { path: '/etc/kplay/a.conf', line: 'b=2', insertbefore: 'BOF' }, ROOTS, o);
    await converge(u, file, { path: '/etc/kplay/a.conf', state: 'absent' }, ROOTS, o);
    const whoami = await runModuleOn(u, command, { cmd: 'id -un' }, o);
    expect(whoami.result.stdout).to.equal('root');
  });

  it('hostile names and values pass through file/copy/lineinfile/template over ssh with nothing executed', async function () {
    this.timeout(120_000);
    const evil = `sp ace'q"d$(touch /tmp/PWNED)\`touch /tmp/PWNED2\`*?[a]\nnl;|&>x`.replace(/\//g, '_');
    const dir = `/opt/${evil}`;
    await converge(t, file, { path: dir, state: 'directory', mode: '0700' }, ROOTS);
    await converge(t, copy, { content: `${evil}\n`, dest: `${dir}/${evil}.conf` }, ROOTS);
    await converge(t, copy, { src: 'conf.d/a.conf', dest: `${dir}/${evil}.a` }, ROOTS, { playbookDir: pb });
    await converge(t, lineinfile, { path: `${dir}/${evil}.conf`, line: `$(touch /tmp/PWNED3) ${evil.replace('\n', ' ')}` }, ROOTS);
    await converge(t, blockinfile, { path: `${dir}/${evil}.conf`, block: `\`touch /tmp/PWNED4\`\n${evil}` }, ROOTS);
    await converge(t, file, { path: `/opt/link ${evil}`, state: 'link', src: `${dir}/${evil}.conf` }, ROOTS);
    await converge(t, command, { argv: ['touch', `${dir}/made`], creates: `${dir}/made` }, ROOTS);
    const fetched = await t.fetch(`${dir}/${evil}.conf`);
    expect(fetched?.toString()).to.contain(`${evil}\n`);
    expect((await t.exec('ls /tmp/PWNED* 2>/dev/null | wc -l')).stdout.trim()).to.equal('0');
  });
});
