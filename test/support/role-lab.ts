/**
 * What the role lab tests share, so each of them tells only its own story: a lab with a connection
 * to every host and a temp dir beside it for the inventory (kplay trusts the host keys of the
 * known_hosts file beside the inventory), an inventory line per host, a command that must succeed
 * on a host, and the read-outs of a check → run → run → check sequence.
 *
 *   before(async function () {
 *     this.timeout(LAB_START_TIMEOUT_MS);
 *     requireLab(this);
 *     rl = await startRoleLab(3, { name: 'etcd' });
 *     writeFileSync(join(rl.dir, 'hosts.ini'), `[etcd]\n${rl.lines().join('\n')}\n`);
 *   });
 *   after(async function () { this.timeout(LAB_STOP_TIMEOUT_MS); await rl?.stop(); });
 */
import { expect } from 'chai';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startLab, type Lab, type StartLabOptions } from './lab.ts';
import { changedTasks, recap, type KplayRun } from './kplay.ts';
import type { Transport } from '../../engine/transport/transport.ts';

export interface RoleLab {
  lab: Lab;
  /** A connected root transport per host, 0-based as lab.hosts. */
  hosts: Transport[];
  /** A temp dir holding the lab's known_hosts: write the inventory here; stop() removes it. */
  dir: string;
  /** Host i's inventory line: `NAME ansible_host=ADDRESS ansible_user=USER ansible_ssh_private_key_file=KEY`. */
  line(i: number, user?: string): string;
  /** Every host's inventory line. */
  lines(user?: string): string[];
  /** Runs cmd on host i as root and expects it to succeed; its stdout. */
  on(i: number, cmd: string): Promise<string>;
  /** cmd's stdout on every host: a listing of what a role writes, taken before and after a check. */
  state(cmd: string): Promise<string[]>;
  /** Stops the lab and removes the temp dir. */
  stop(): Promise<void>;
}

export async function startRoleLab(n: number, opts: StartLabOptions & { name: string }): Promise<RoleLab> {
  const lab = await startLab(n, opts);
  const hosts = await Promise.all(lab.hosts.map((_h, i) => lab.transport(i)));
  const dir = mkdtempSync(join(tmpdir(), `kplay-${opts.name}-role-`));
  copyFileSync(lab.knownHostsPath, join(dir, 'known_hosts'));
  const line = (i: number, user = 'root') => {
    const h = lab.hosts[i];
    if (!h) throw new Error(`lab ${lab.name} has no host ${i}`);
    return `${h.name} ansible_host=${h.address} ansible_user=${user} ansible_ssh_private_key_file=${lab.keyPath}`;
  };
  const on = async (i: number, cmd: string) => {
    const r = await hosts[i]!.exec(cmd);
    expect(r.rc, `${cmd}: ${r.stdout}${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  return {
    lab,
    hosts,
    dir,
    line,
    lines: (user) => lab.hosts.map((_h, i) => line(i, user)),
    on,
    state: (cmd) => Promise.all(hosts.map(async (t) => (await t.exec(cmd)).stdout)),
    async stop() {
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The inventory `kplay lab up --kubernetes` wrote (inventory.ini, group_vars), copied into dir so
 * that the PKI and credentials a run makes beside it stay with the test.
 */
export function copyLabInventory(lab: Lab, dir: string): void {
  copyFileSync(lab.inventoryPath, join(dir, 'inventory.ini'));
  copyFileSync(lab.knownHostsPath, join(dir, 'known_hosts'));
  cpSync(join(dirname(lab.inventoryPath), 'group_vars'), join(dir, 'group_vars'), { recursive: true });
}

/** The run's own duration from its --json recap, for the timings a test prints. */
export function seconds(r: KplayRun): string {
  return ((r.events.find((e) => e.type === 'recap')?.durationMs as number) / 1000).toFixed(1);
}

/** The run went through and changed nothing on any host (a second run, a check after it). */
export function expectNoChange(r: KplayRun): void {
  expect(r.code, r.stdout + r.stderr).to.equal(0);
  for (const [name, stats] of Object.entries(recap(r))) expect(stats.changed, `${name}: ${changedTasks(r).join('; ')}`).to.equal(0);
}
