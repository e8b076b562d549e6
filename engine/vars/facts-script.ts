/**
 * The fact-gathering script: one `sh -c` per host, one round trip. POSIX sh only; every probe is
 * guarded (`command -v`, `[ -r ]`, `2>/dev/null`) so a missing tool or file leaves its section
 * empty instead of failing the whole run. Output is sections, each opened by a line `@@name`,
 * holding raw text that parseFacts (facts.ts) interprets: the host does no parsing we could get
 * wrong in sh, and the parser is a pure function tested with fixtures.
 * Small files are read with the shell's own read, not cat: every external command is a fork and
 * an exec on the host, and the host's CPU is shared with many others in a run. For the same
 * reason:
 * - uname -m is kernel.arch (the same string, unless a 32-bit personality makes uname say i686);
 * - one date gives the local time and the epoch; the parser derives the UTC time;
 * - the IPv4 default route comes from /proc/net/route (the main table, as `ip -4 route show
 *   default`), whose default routes come first (the kernel lists it in address order): the read
 *   stops after them, as a node with a route per pod has thousands of lines and dash's read
 *   takes a byte per read(2). IFS is a literal tab there;
 * - grep runs in the C locale: /proc/cpuinfo is ASCII, and the regex is cheaper than in UTF-8.
 * `ip -6 route` stays: /proc/net/ipv6_route lists every routing table. nproc stays: it counts
 * the CPUs the affinity mask allows, as Ansible's processor_nproc does, and reading
 * Cpus_allowed_list from /proc/self/status a byte at a time costs about as much as running it.
 * id stays: `$(id)` costs what `id` costs (dash execs it in the forked subshell), and the user's
 * name comes from NSS, which /etc/passwd alone is not.
 * It reads only local files and commands; it never touches the network (`ip route show`, not
 * `ip route get`, and the FQDN comes from /etc/hosts, not a DNS lookup).
 */
export const FACTS_SCRIPT = String.raw`
s() { printf '\n@@%s\n' "$1"; }
has() { command -v "$1" >/dev/null 2>&1; }
rd() { [ -r "$1" ] || return 0; while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1" 2>/dev/null; }
rdbig() { [ -r "$1" ] || return 0; if has cat; then cat "$1" 2>/dev/null; else rd "$1"; fi; }
one() { v=; [ -r "$1" ] && IFS= read -r v < "$1" 2>/dev/null; }
s uname
if [ -r /proc/sys/kernel/version ]; then rd /proc/sys/kernel/ostype; rd /proc/sys/kernel/hostname; rd /proc/sys/kernel/osrelease
  one /proc/self/personality; p=$v; one /proc/sys/kernel/arch
  if [ "$p" = 00000000 ] && [ -n "$v" ]; then echo "$v"; elif has uname; then uname -m; else echo; fi; rd /proc/sys/kernel/version
elif has uname; then uname -s; uname -n; uname -r; uname -m; uname -v; fi 2>/dev/null
s hosts; rd /etc/hosts
s os-release; if [ -r /etc/os-release ]; then rd /etc/os-release; else rd /usr/lib/os-release; fi
s debian_version; rd /etc/debian_version
s redhat-release; rd /etc/redhat-release
s alpine-release; rd /etc/alpine-release
s init; rd /proc/1/comm; [ -d /run/systemd/system ] && echo run-systemd; [ -d /run/openrc ] && echo run-openrc; [ -x /sbin/openrc ] && echo sbin-openrc; [ -d /etc/runit ] && echo etc-runit; [ -d /etc/init.d ] && echo etc-initd
s meminfo; [ -r /proc/meminfo ] && while IFS= read -r l; do case $l in MemTotal:*|MemFree:*|MemAvailable:*|Buffers:*|Cached:*|SwapTotal:*|SwapFree:*) printf '%s\n' "$l";; esac; done < /proc/meminfo 2>/dev/null
s cpuinfo; if [ -r /proc/cpuinfo ]; then if has grep; then LC_ALL=C grep -E '^(processor|physical id|core id|cpu cores|siblings|model name|Processor|Hardware)[[:space:]]*:' /proc/cpuinfo; else rd /proc/cpuinfo; fi; fi 2>/dev/null
s nproc; has nproc && nproc 2>/dev/null
s id; x=$(id 2>/dev/null); case $x in
  'uid='[0-9]*'('*') gid='[0-9]*'('*')'*) IFS='=() ' read -r _ u un _ g gn _ <<EOF
$x
EOF
    printf '%s\n%s\n%s\n%s\n' "$un" "$u" "$g" "$gn" ;;
  *) id -un 2>/dev/null; id -u 2>/dev/null; id -g 2>/dev/null; id -gn 2>/dev/null ;;
esac
s env; printf 'HOME=%s\nPATH=%s\nUSER=%s\nLOGNAME=%s\nSHELL=%s\nLANG=%s\nPWD=%s\n' "$HOME" "$PATH" "$USER" "$LOGNAME" "$SHELL" "$LANG" "$PWD"
s pkg; for c in apt-get dnf dnf5 yum apk zypper pacman emerge xbps-install; do has "$c" && echo "$c"; done
s date; date '+%Y %m %d %H %M %S %z %A %w %W %s %Z' 2>/dev/null
s selinux; if [ -r /sys/fs/selinux/enforce ]; then echo "enforce=$(rd /sys/fs/selinux/enforce)"; fi; rd /etc/selinux/config
s links; for d in /sys/class/net/*; do [ -e "$d" ] || continue; IFS=/ read -r _ _ _ _ n <<EOF
$d
EOF
  one "$d/address"; a=$v; one "$d/mtu"; m=$v; one "$d/operstate"; printf '%s %s %s %s\n' "$n" "$a" "$m" "$v"; done
if has ip; then
  s proc-route; [ -r /proc/net/route ] && while IFS='	' read -r i d r; do printf '%s\t%s\t%s\n' "$i" "$d" "$r"; [ "$d" = Destination ] || [ "$d" = 00000000 ] || break; done < /proc/net/route
  s route6; ip -6 route show default 2>/dev/null
  s addr; ip -o addr show 2>/dev/null
else
  s proc-route; rdbig /proc/net/route
  s fib-trie; rdbig /proc/net/fib_trie
  s if-inet6; rdbig /proc/net/if_inet6
fi
s end
exit 0
`;
