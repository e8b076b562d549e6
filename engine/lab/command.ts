/**
 * `kplay lab up N | down | status | inventory` [--name NAME] [--dir DIR]. Returns the exit code;
 * the CLI owns the process. Exit codes: 0 ok, 1 failure, 2 nothing to act on, 5 bad options.
 */
import { existsSync, readFileSync } from 'node:fs';
import { downLab, isStale, resolveLab, upLab } from './lab.ts';
import * as n from './names.ts';
import { readRegistry, type LabRecord } from './registry.ts';
import { alive } from './host.ts';
import { labSupported } from './support.ts';

export const LAB_USAGE = `usage: kplay lab <command> [options]

  up N          start N test hosts (systemd-nspawn, systemd as PID 1, sshd) and write an inventory
  down          stop a lab and remove everything it made (netns, mounts, processes, routes)
  status        list the labs on this machine
  inventory     print the path and content of a lab's inventory

options:
  --name NAME   lab name (default: lab); hosts are kplay-NAME-h1 …
  --dir DIR     state directory (default: /run/kplay/labs/NAME)
  --all         with down: every lab on this machine
  --kubernetes  with up: hosts that can run Kubernetes (cgroup delegation, /dev/kmsg, kubelet
                sysctls, local pause/busybox images, group_vars/all/lab-kubernetes.yml)

Needs root. Then: kplay run site.yml -i /run/kplay/labs/lab/inventory.ini
`;

interface Parsed {
  cmd: string;
  args: string[];
  name?: string;
  dir?: string;
  all: boolean;
  help: boolean;
  kubernetes: boolean;
}

export function parseLabArgs(argv: readonly string[]): Parsed | string {
  const p: Parsed = { cmd: '', args: [], all: false, help: false, kubernetes: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--name') p.name = value();
      else if (a.startsWith('--name=')) p.name = a.slice(7);
      else if (a === '--dir') p.dir = value();
      else if (a.startsWith('--dir=')) p.dir = a.slice(6);
      else if (a === '--all') p.all = true;
      else if (a === '--kubernetes') p.kubernetes = true;
      else if (a === '-h' || a === '--help') p.help = true;
      else if (a.startsWith('-')) return `unknown option ${a}`;
      else if (!p.cmd) p.cmd = a;
      else p.args.push(a);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return p;
}

export async function labCommand(argv: string[]): Promise<number> {
  const p = parseLabArgs(argv);
  if (typeof p === 'string') return usageError(p);
  if (p.help || p.cmd === '' || p.cmd === 'help') {
    process.stdout.write(LAB_USAGE);
    return p.help || p.cmd === 'help' ? 0 : 5;
  }
  if (!['up', 'down', 'status', 'inventory'].includes(p.cmd)) return usageError(`unknown lab command ${JSON.stringify(p.cmd)}`);
  if (p.name !== undefined) {
    try {
      n.checkLabName(p.name);
    } catch (e) {
      return usageError((e as Error).message);
    }
  }
  if (p.cmd !== 'status' && p.cmd !== 'inventory') {
    const s = labSupported();
    if (!s.ok) {
      process.stderr.write(`kplay lab: ${s.reason}\n`);
      return 1;
    }
  }
  try {
    switch (p.cmd) {
      case 'up':
        return await up(p);
      case 'down':
        return await down(p);
      case 'status':
        return status();
      default:
        return inventory(p);
    }
  } catch (e) {
    process.stderr.write(`kplay lab ${p.cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

function usageError(msg: string): number {
  process.stderr.write(`kplay lab: ${msg}\n\n${LAB_USAGE}`);
  return 5;
}

async function up(p: Parsed): Promise<number> {
  const count = Number(p.args[0]);
  if (p.args.length !== 1 || !Number.isInteger(count) || count < 1 || count > n.MAX_HOSTS) {
    return usageError(`up needs the number of hosts (1 to ${n.MAX_HOSTS})`);
  }
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const lab = await upLab(count, { name: p.name, dir: p.dir, persistent: true, log, kubernetes: p.kubernetes });
  process.stdout.write(
    `lab ${lab.name}: ${lab.hosts.length} host(s) on ${lab.subnet}, this machine is ${lab.controllerAddress}\n` +
      lab.hosts.map((h) => `  ${h.name}  ${h.address}\n`).join('') +
      `inventory:   ${lab.inventoryPath}\nssh:         ssh -i ${lab.keyPath} -o UserKnownHostsFile=${lab.knownHostsPath} root@${lab.hosts[0]?.address}\n` +
      (lab.kubernetes ? `variables:   ${lab.kubernetes.groupVarsPath} (loaded with the inventory)\n` : '') +
      `stop:        kplay lab down${lab.name === 'lab' ? '' : ` --name ${lab.name}`}\n`,
  );
  return 0;
}

async function down(p: Parsed): Promise<number> {
  if (p.all) {
    const names = readRegistry().map((r) => r.name);
    for (const name of names) {
      await downLab({ name });
      process.stdout.write(`lab ${name}: down\n`);
    }
    if (names.length === 0) process.stdout.write('no labs\n');
    return 0;
  }
  const rec = await downLab({ name: p.name, dir: p.dir });
  if (!rec) {
    process.stderr.write(`kplay lab down: no lab ${p.dir ? `in ${p.dir}` : `named ${p.name ?? 'lab'}`}\n`);
    return 2;
  }
  process.stdout.write(`lab ${rec.name}: down\n`);
  return 0;
}

function describe(r: LabRecord): string {
  const owner = r.owner === null ? 'kplay lab up' : `pid ${r.owner.pid}`;
  // only root can look at the hosts' pid files and cgroups
  if (process.getuid?.() !== 0) return `${r.name}\t${n.subnetOf(r.k)}\t${r.hosts} host(s)\towner ${owner}\t${r.dir}`;
  const up = Array.from({ length: r.hosts }, (_, j) => j + 1).filter((i) => {
    const pidFile = n.hostFiles(r.dir, i).pid;
    return existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8')));
  }).length;
  const stale = isStale(r) ? '\tstale: the next up removes it' : '';
  return `${r.name}\t${n.subnetOf(r.k)}\t${up}/${r.hosts} up\towner ${owner}\t${r.dir}${stale}`;
}

function status(): number {
  const labs = readRegistry().sort((a, b) => a.k - b.k);
  if (labs.length === 0) {
    process.stdout.write('no labs\n');
    return 0;
  }
  process.stdout.write(labs.map((r) => `${describe(r)}\n`).join(''));
  return 0;
}

function inventory(p: Parsed): number {
  const rec = resolveLab({ name: p.name, dir: p.dir });
  const path = rec ? n.labFiles(rec.dir).inventory : undefined;
  if (!path || !existsSync(path)) {
    process.stderr.write(`kplay lab inventory: no lab ${p.dir ? `in ${p.dir}` : `named ${p.name ?? 'lab'}`} (start one with kplay lab up N)\n`);
    return 2;
  }
  process.stdout.write(`# ${path}\n${readFileSync(path, 'utf8')}`);
  return 0;
}

