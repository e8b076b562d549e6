/**
 * The read-only commands of the system modules (beyond the shared ones in modules/facts/): every
 * shell snippet their read() runs on a host is here, to be reviewed as reads only.
 */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from '../facts/read-only.ts';
import type { FileArgs } from './file.ts';
import type { Loaded } from './modprobe.ts';
import type { Manager } from './package.ts';

/** Where the kernel shows a feature even when its module is built in and has no /sys/module entry. */
const FEATURE_PATHS: Record<string, string> = {
  br_netfilter: '/proc/sys/net/bridge/bridge-nf-call-iptables',
  ip_tables: '/proc/net/ip_tables_names',
  ip6_tables: '/proc/net/ip6_tables_names',
  nf_conntrack: '/proc/sys/net/netfilter/nf_conntrack_max',
  ip_vs: '/proc/net/ip_vs',
  ipv6: '/proc/sys/net/ipv6',
};

export function loadedProbe(name: string): Probe<Loaded> {
  const n = name.replace(/-/g, '_');
  const feature = FEATURE_PATHS[n];
  const fs = n === 'overlay' ? ' || grep -qw overlay /proc/filesystems' : '';
  return defineProbe({
    script: [
      sh`n=${n}`,
      'if [ -r /proc/modules ] && grep -q "^$n " /proc/modules; then echo module',
      'elif [ -e "/sys/module/$n" ]; then echo builtin',
      'elif [ -f "/lib/modules/$(uname -r)/modules.builtin" ] && grep -q "/$n.ko" "/lib/modules/$(uname -r)/modules.builtin"; then echo builtin',
      `elif ${feature ? sh`[ -e ${feature} ]` : 'false'}${fs}; then echo builtin`,
      'else echo absent; fi',
    ].join('\n'),
    parse: (o) => (o.out.trim() as Loaded) || 'absent',
  });
}

export function aptCandidates(pkgs: string[]): Probe<Record<string, string>> {
  return defineProbe({
    script: sh`LC_ALL=C apt-cache policy -- ${pkgs}`,
    parse: (o) => {
      const res: Record<string, string> = {};
      let cur = '';
      for (const line of o.out.split('\n')) {
        const head = /^(\S+):$/.exec(line);
        if (head) cur = head[1]!;
        const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
        if (cand && cur && cand[1] !== '(none)') res[cur] = cand[1]!;
      }
      return res;
    },
  });
}

export function dnfUpgrades(pkgs: string[]): Probe<Record<string, string>> {
  return defineProbe({
    script: sh`dnf -q list --upgrades -- ${pkgs} 2>/dev/null`,
    parse: (o) => {
      const res: Record<string, string> = {};
      for (const line of o.out.split('\n')) {
        const m = /^(\S+?)\.\S+\s+(\S+)\s+\S+/.exec(line);
        if (m && pkgs.includes(m[1]!)) res[m[1]!] = m[2]!;
      }
      return res;
    },
  });
}

export const packageManagerProbe: Probe<Manager | 'unknown'> = defineProbe({
  script: 'if command -v apt-get >/dev/null 2>&1; then echo apt; elif command -v dnf >/dev/null 2>&1; then echo dnf; else echo unknown; fi',
  parse: (o) => o.out.trim() as Manager | 'unknown',
});

export function driftProbe(path: string, a: FileArgs): Probe<boolean> {
  const tests: string[] = [];
  if (a.owner !== undefined) tests.push(sh`! -user ${String(a.owner)}`);
  if (a.group !== undefined) tests.push(sh`! -group ${String(a.group)}`);
  if (a.mode !== undefined) tests.push(sh`! -perm ${String(parseInt(String(a.mode), 8).toString(8).padStart(4, '0'))}`);
  return defineProbe({
    script: `find ${sh`${path}`} -mindepth 1 \\( ${tests.join(' -o ')} \\) -print | head -n 1`,
    parse: (o) => o.out.trim() !== '',
  });
}

export const serviceManagerProbe: Probe<string> = defineProbe({
  script: 'if [ -d /run/systemd/system ]; then echo systemd; elif command -v rc-service >/dev/null 2>&1; then echo openrc; else echo unknown; fi',
  parse: (o) => o.out.trim(),
});

export function openrcProbes(name: string) {
  return {
    rcExists: defineProbe({ script: sh`[ -x /etc/init.d/${name} ]`, parse: (o: ProbeOutput) => o.rc === 0 }),
    rcStatus: defineProbe({ script: sh`rc-service ${name} status >/dev/null 2>&1`, parse: (o: ProbeOutput) => o.rc }),
    rcLevels: defineProbe({ script: sh`rc-update show -v 2>/dev/null | awk -v s=${name} '$1 == s { for (i = 3; i <= NF; i++) print $i }'`, parse: (o: ProbeOutput) => o.out.split('\n').filter(Boolean) }),
  };
}

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

export function isEnabledProbe(unit: string, scope: string | undefined): Probe<string> {
  const flag = scope && scope !== 'system' ? [`--${scope}`] : [];
  return defineProbe({ script: sh`systemctl ${flag} is-enabled -- ${unit} 2>/dev/null`, parse: (o) => o.out.trim().split('\n')[0] ?? '' });
}

/** The unit's files on the host; in check mode also the earlier task that writes one. */
export function unitFilesProbe(unit: string): Probe<{ paths: string[]; plannedBy?: string }> {
  return defineProbe({
    script: sh`for d in ${UNIT_DIRS}; do if [ -e "$d"/${unit} ]; then echo "$d"/${unit}; fi; done`,
    parse: (o) => ({ paths: o.out.split('\n').filter(Boolean) }),
    planned: (found, ledger) => {
      const by = UNIT_DIRS.map((d) => ledger.path(`${d}/${unit}`)).filter((e) => e?.state === 'file').pop()?.by;
      return by ? { ...found, plannedBy: by } : found;
    },
  });
}

export function routeProbe(family: '-4' | '-6', dest: string): Probe<string> {
  return defineProbe({
    script: sh`ip ${family} route show exact ${dest} 2>/dev/null | head -n 1`,
    parse: (o) => o.out.trim(),
  });
}

export const liveHostname = defineProbe({ script: 'cat /proc/sys/kernel/hostname', parse: (o) => o.out.trim() });

/** The password hash of a user (the shadow entry's second field). */
export function shadowHash(name: string): Probe<string> {
  return defineProbe({ script: sh`getent shadow -- ${name} | cut -d: -f2`, parse: (o) => o.out.trim() });
}
