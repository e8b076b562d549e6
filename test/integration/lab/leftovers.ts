/** What a lab leaves on this machine, looked up from scratch (not from the lab's own records). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface Leftovers {
  netns: string[];
  mounts: string[];
  processes: number[];
  routes: string[];
  links: string[];
  cgroups: string[];
  registry: boolean;
}

export function leftovers(lab: string, k: number): Leftovers {
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((ns) => ns.startsWith(`kplay-${lab}-`));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.includes(`/kplay/labs/${lab}/`) || m.includes(`/netns/kplay-${lab}-`));
  const processes: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z'); // exited; its parent reaps it
      if (!zombie && readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/kplay/${lab}/`)) processes.push(Number(p));
    } catch {
      // exited while we looked
    }
  }
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`198.18.${k}.`));
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => new RegExp(`: kp${k}[a-z]`).test(l));
  const cgroups = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']
    .map((r) => `${r}/kplay/${lab}`)
    .filter((d) => existsSync(d));
  return { netns, mounts, processes, routes, links, cgroups, registry: existsSync(`/run/kplay/registry/${lab}.json`) };
}

export const NOTHING: Leftovers = { netns: [], mounts: [], processes: [], routes: [], links: [], cgroups: [], registry: false };
