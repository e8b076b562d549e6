/** The live value of one kernel parameter, read from /proc/sys. */
import { sh } from '../../engine/transport/quote.ts';
import { defineProbe, type Probe, type ProbeOutput } from './read-only.ts';

/** net.ipv4.conf.eth0/1.forwarding: sysctl names use dots, a slash stands for a dot inside a component. */
export function sysctlPath(name: string): string {
  return `/proc/sys/${name.split('.').map((c) => c.replace(/\//g, '.')).join('/')}`;
}

/**
 * cat, not the shell's read: dash reads a byte per read(2), and the kernel's integer handlers
 * (proc_dointvec …) answer a read at a non-zero offset with end of file, so read would get "3" of
 * "32768\t60999".
 */
export function sysctlScript(name: string): string {
  const p = sysctlPath(name);
  return sh`if [ -f ${p} ]; then cat ${p}; else return 3; fi`;
}

/** Multi-word values (ip_local_port_range) come tab-separated; compare them word by word. */
export function normalizeSysctl(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v).trim().split(/\s+/).join(' ');
}

export function parseSysctl(o: ProbeOutput): string | undefined {
  return o.rc === 0 ? normalizeSysctl(o.out) : undefined;
}

export function sysctlValue(name: string): Probe<string | undefined> {
  return defineProbe({ script: sysctlScript(name), parse: parseSysctl });
}
