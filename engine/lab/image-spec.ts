/**
 * What goes into the lab host image. Everything here feeds the cache key, so changing a package
 * or a line of the customisation script builds a new image instead of reusing a stale one.
 */
import { createHash } from 'node:crypto';

export const SUITE = 'bookworm';

/** All present in bookworm main (checked with apt-cache policy). Hosts have no mirror: what roles install must be here. */
export const PACKAGES: readonly string[] = [
  'systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'iptables', 'iproute2', 'procps', 'kmod',
  'ca-certificates', 'curl', 'etcd-server', 'etcd-client', 'haproxy', 'keepalived', 'conntrack', 'socat',
  'ipset', 'containerd', 'runc', 'containernetworking-plugins',
  // for tests and for debugging a host by hand
  'iputils-ping', 'xz-utils',
];

export const SUDO_PASSWORD = 'kplaypw-secret';

/** Bump when the customisation changes in a way the script text does not show. */
export const CUSTOMISATION_VERSION = 1;

/** Services Debian enables on install: disabled so that tests (and roles) are the ones to start them. */
export const DISABLED_UNITS: readonly string[] = ['etcd.service', 'haproxy.service', 'keepalived.service', 'containerd.service'];

/** Units that slow the boot, fail in a container or wake up on timers during tests. */
export const MASKED_UNITS: readonly string[] = [
  'apt-daily.timer', 'apt-daily-upgrade.timer', 'apt-daily.service', 'apt-daily-upgrade.service',
  'dpkg-db-backup.timer', 'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer',
  'systemd-tmpfiles-clean.timer', 'man-db.timer',
  'getty@.service', 'serial-getty@.service', 'console-getty.service', 'container-getty@.service',
];

/**
 * Runs inside the fresh rootfs (chroot, /bin/sh -eu). Per-host identity (hostname, machine-id,
 * ssh host key, authorized keys) is NOT here: it is written into each host's overlay.
 */
export const CUSTOMISE_SCRIPT = `
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
useradd --create-home --shell /bin/bash --uid 1000 --user-group kplay
useradd --create-home --shell /bin/bash --uid 1001 --user-group kplaypw
echo 'kplaypw:${SUDO_PASSWORD}' | chpasswd
printf '%s\\n' 'kplay ALL=(ALL:ALL) NOPASSWD: ALL' 'kplaypw ALL=(ALL:ALL) ALL' >/etc/sudoers.d/kplay-lab
chmod 0440 /etc/sudoers.d/kplay-lab
for d in /root /home/kplay /home/kplaypw; do mkdir -p "$d/.ssh"; chmod 0700 "$d/.ssh"; done
chown kplay:kplay /home/kplay/.ssh
chown kplaypw:kplaypw /home/kplaypw/.ssh

rm -f /etc/ssh/ssh_host_*
cat >/etc/ssh/sshd_config.d/kplay-lab.conf <<'CONF'
# kplay lab host: one ed25519 host key, generated per host when the lab starts
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
UseDNS no
MaxSessions 10
CONF

mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\\nStorage=volatile\\nRuntimeMaxUse=16M\\n' >/etc/systemd/journald.conf.d/kplay-lab.conf

for u in ${DISABLED_UNITS.join(' ')}; do
  if [ -e "/lib/systemd/system/$u" ]; then systemctl disable "$u" >/dev/null 2>&1 || true; fi
done
for u in ${MASKED_UNITS.join(' ')}; do systemctl mask "$u" >/dev/null 2>&1; done

: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin
`;

export function imageKey(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ suite: SUITE, packages: PACKAGES, v: CUSTOMISATION_VERSION, script: CUSTOMISE_SCRIPT }));
  return `${SUITE}-${h.digest('hex').slice(0, 16)}`;
}
