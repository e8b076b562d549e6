/** Installed packages and versions: dpkg-query (Debian) and rpm (Fedora/RHEL). */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';

/** name → installed version (absent names are missing from the record). */
export type Installed = Record<string, string>;

export function dpkgScript(names: readonly string[]): string {
  return sh`dpkg-query -W -f='\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' -- ${names}`;
}

export function parseDpkg(o: ProbeOutput): Installed {
  const res: Installed = {};
  for (const line of o.out.split('\n')) {
    const [pkg, status, version] = line.split('\t');
    // "ii " = wanted install, installed; "rc " (removed, config left) counts as absent
    if (pkg && status?.startsWith('ii') && version !== undefined) res[pkg.split(':')[0]!] = version;
  }
  return res;
}

export function rpmScript(names: readonly string[]): string {
  return sh`rpm -q --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n' -- ${names}`;
}

export function parseRpm(o: ProbeOutput): Installed {
  const res: Installed = {};
  for (const line of o.out.split('\n')) {
    const [pkg, version] = line.split('\t');
    if (pkg && version !== undefined && !line.includes(' is not installed')) res[pkg] = version;
  }
  return res;
}

export function installed(manager: 'apt' | 'dnf', names: readonly string[]): Probe<Installed> {
  return manager === 'apt' ? defineProbe({ script: dpkgScript(names), parse: parseDpkg }) : defineProbe({ script: rpmScript(names), parse: parseRpm });
}
