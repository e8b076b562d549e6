/**
 * Distribution facts from os-release and the release files, named and grouped as Ansible names
 * them (ansible_distribution "Debian", "Ubuntu", "RedHat", "Rocky", "Alpine"…, and os_family).
 */

export interface DistroFacts {
  ansible_distribution: string;
  ansible_distribution_version: string;
  ansible_distribution_major_version: string;
  ansible_distribution_release: string;
  ansible_os_family: string;
}

/** os-release ID → Ansible's distribution name. */
const NAMES: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  raspbian: 'Debian',
  linuxmint: 'Linux Mint',
  kali: 'Kali',
  devuan: 'Devuan',
  pop: 'Pop!_OS',
  rhel: 'RedHat',
  centos: 'CentOS',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  fedora: 'Fedora',
  ol: 'OracleLinux',
  amzn: 'Amazon',
  alpine: 'Alpine',
  sles: 'SLES',
  sles_sap: 'SLES_SAP',
  'opensuse-leap': 'openSUSE Leap',
  'opensuse-tumbleweed': 'openSUSE Tumbleweed',
  opensuse: 'openSUSE',
  arch: 'Archlinux',
  manjaro: 'Manjaro',
  gentoo: 'Gentoo',
  void: 'Void',
  flatcar: 'Flatcar',
  nixos: 'NixOS',
};

/** Ansible's OS_FAMILY map (the part that matters for Linux servers). */
const FAMILIES: Record<string, string[]> = {
  RedHat: ['RedHat', 'Fedora', 'CentOS', 'Scientific', 'OracleLinux', 'Amazon', 'AlmaLinux', 'Rocky', 'CloudLinux', 'EuroLinux', 'openEuler', 'TencentOS'],
  Debian: ['Debian', 'Ubuntu', 'Raspbian', 'Linux Mint', 'Kali', 'Devuan', 'Pop!_OS', 'Neon', 'KDE neon', 'Parrot', 'Deepin'],
  Suse: ['SLES', 'SLED', 'openSUSE', 'openSUSE Leap', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'SL-Micro'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Alpine: ['Alpine'],
  Gentoo: ['Gentoo'],
  Void: ['Void'],
  Flatcar: ['Flatcar'],
};

/** ID_LIKE words → family, for derivatives the table above does not name. */
const LIKE: [RegExp, string][] = [
  [/\b(rhel|fedora|centos)\b/, 'RedHat'],
  [/\b(debian|ubuntu)\b/, 'Debian'],
  [/\bsuse\b/, 'Suse'],
  [/\barch\b/, 'Archlinux'],
];

/** `KEY=value` / `KEY="quoted value"` lines of os-release. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) {
      v = v.slice(1, -1);
      if (m[2]![0] === '"') v = v.replace(/\\(["\\$`])/g, '$1');
    }
    out[m[1]!] = v;
  }
  return out;
}

export interface ReleaseFiles {
  osRelease: string;
  debianVersion: string;
  redhatRelease: string;
  alpineRelease: string;
}

export function distroFacts(files: ReleaseFiles, system: string): DistroFacts {
  const os = parseOsRelease(files.osRelease);
  const id = (os['ID'] ?? '').toLowerCase();
  let name = NAMES[id] ?? os['NAME'] ?? (files.alpineRelease ? 'Alpine' : files.redhatRelease ? 'RedHat' : files.debianVersion ? 'Debian' : system || 'Unknown');
  let version = os['VERSION_ID'] ?? '';
  let release = os['VERSION_CODENAME'] ?? os['UBUNTU_CODENAME'] ?? '';

  const debian = files.debianVersion.trim();
  const redhat = /release\s+([0-9][0-9.]*)\s*(?:\(([^)]*)\))?/.exec(files.redhatRelease);
  const alpine = files.alpineRelease.trim();
  if (name === 'Debian' && /^[0-9]+(\.[0-9]+)*$/.test(debian)) version = debian; // 12.11, not just 12
  else if (name === 'Debian' && !version && debian) version = debian; // testing: "trixie/sid"
  if (redhat && familyOf(name, os) === 'RedHat' && name !== 'Fedora' && name !== 'Amazon') {
    version = redhat[1]!;
    release = redhat[2] ?? release;
  }
  if (name === 'Alpine' && alpine) version = alpine;
  if (!os['ID'] && !files.osRelease && redhat && /CentOS/i.test(files.redhatRelease)) name = 'CentOS';

  return {
    ansible_distribution: name,
    ansible_distribution_version: version,
    ansible_distribution_major_version: version.split(/[./]/)[0] ?? '',
    ansible_distribution_release: release,
    ansible_os_family: familyOf(name, os),
  };
}

function familyOf(name: string, os: Record<string, string>): string {
  for (const [family, members] of Object.entries(FAMILIES)) if (members.includes(name)) return family;
  const like = (os['ID_LIKE'] ?? '').toLowerCase();
  for (const [re, family] of LIKE) if (re.test(like)) return family;
  return name;
}
