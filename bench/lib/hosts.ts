/**
 * What the benchmark does to lab hosts outside the timed runs: give them a Python (Ansible needs
 * one; lab images have none, and hosts have no package mirror), and read back the state the
 * workload made, normalised so that two labs (different subnets) compare equal.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import type { Lab } from '../../test/support/lab.ts';

const run = promisify(execFile);

/**
 * This machine is Debian bookworm like the hosts: its python3.11 runs there unchanged. Copied into
 * each host's overlay (the merged root, so overlayfs records it in the host's upper layer).
 */
export async function installPython(lab: Lab): Promise<void> {
  const excludes = ['config-3.11-*', 'lib2to3', 'pydoc_data', 'idlelib', 'tkinter', 'ensurepip', 'turtledemo'].map((x) => `--exclude=usr/lib/python3.11/${x}`);
  await Promise.all(
    lab.hosts.map((_, i) =>
      run('sh', ['-c', `tar -C / ${excludes.join(' ')} -cf - usr/bin/python3.11 usr/bin/python3 usr/lib/python3.11 | tar -C "$1" -xf -`, 'sh', `${lab.dir}/hosts/h${i + 1}/root`]),
    ),
  );
}

const MANAGED_FILES = [
  '/opt/bench/etc/motd',
  '/opt/bench/etc/bench.env',
  '/opt/bench/etc/app.conf',
  '/opt/bench/etc/peers.conf',
  '/etc/default/bench',
  '/opt/bench/bin/bench-tool',
  '/etc/systemd/system/bench.service',
  '/var/lib/bench/initialised',
];
const MANAGED_DIRS = ['/opt/bench', '/opt/bench/bin', '/opt/bench/etc', '/var/lib/bench'];

/** POSIX sh on the host; one line per fact. */
const STATE_SCRIPT = `
for f in ${MANAGED_FILES.join(' ')}; do
  if [ -e "$f" ]; then echo "file $f $(stat -c '%a %U %G' "$f") $(base64 -w0 <"$f")"; else echo "file $f absent"; fi
done
for d in ${MANAGED_DIRS.join(' ')}; do echo "dir $d $(stat -c '%F %a %U %G' "$d" 2>/dev/null || echo absent)"; done
echo "link /usr/local/bin/bench-tool $(readlink /usr/local/bin/bench-tool || echo absent)"
echo "stale $(test -e /opt/bench/etc/stale.conf && echo present || echo absent)"
echo "user $(getent passwd benchsvc | cut -d: -f1,6,7) group=$(id -gn benchsvc 2>/dev/null)"
echo "unit enabled=$(systemctl is-enabled bench 2>/dev/null) active=$(systemctl is-active bench 2>/dev/null)"
for k in net.ipv4.ip_forward net.core.somaxconn; do echo "sysctl $k live=$(sysctl -n $k)"; done
sed -n 's/^[[:space:]]*\\([a-z0-9_.]*\\)[[:space:]]*=[[:space:]]*\\(.*\\)$/sysctl-file \\1=\\2/p' /etc/sysctl.d/90-bench.conf 2>/dev/null | sort
for t in filter nat; do iptables-save -t $t | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]/[-]/' | sed "s/^/iptables $t /"; done
`;

export type HostState = string[];

/** One line per fact; file contents as sha256 after replacing this lab's subnet with a placeholder. */
export function normalise(raw: string, lab: Pick<Lab, 'subnet' | 'controllerAddress'>): HostState {
  const prefix = lab.controllerAddress.replace(/\.254$/, '.');
  const clean = (s: string) => s.split(prefix).join('198.18.K.');
  return raw
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^file (\S+) (\d+ \S+ \S+) (.*)$/.exec(line);
      if (!m) return clean(line);
      const content = clean(Buffer.from(m[3]!, 'base64').toString('utf8'));
      return `file ${m[1]} ${m[2]} sha256=${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
    });
}

function ssh(lab: Lab, address: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', ['-i', lab.keyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', `root@${address}`, 'sh -s'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ssh ${address}: exit ${code}: ${err}`))));
    child.stdin.end(script);
  });
}

export async function collectState(lab: Lab): Promise<HostState[]> {
  const out: HostState[] = [];
  for (let i = 0; i < lab.hosts.length; i += 10) {
    const batch = lab.hosts.slice(i, i + 10);
    out.push(...(await Promise.all(batch.map(async (h) => normalise(await ssh(lab, h.address, STATE_SCRIPT), lab)))));
  }
  return out;
}

/** Differences between the hosts of two runs, as readable lines; [] when the states are equal. */
export function compareStates(a: HostState[], b: HostState[], names: [string, string]): string[] {
  const diffs: string[] = [];
  if (a.length !== b.length) diffs.push(`${names[0]} has ${a.length} hosts, ${names[1]} ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const sa = new Set(a[i]);
    const sb = new Set(b[i]);
    for (const l of a[i]!) if (!sb.has(l)) diffs.push(`h${i + 1} only ${names[0]}: ${l}`);
    for (const l of b[i]!) if (!sa.has(l)) diffs.push(`h${i + 1} only ${names[1]}: ${l}`);
  }
  return diffs;
}

export async function hostPythonOk(lab: Lab): Promise<void> {
  await ssh(lab, lab.hosts[0]!.address, 'python3 -c "import json, subprocess, hashlib"');
}
