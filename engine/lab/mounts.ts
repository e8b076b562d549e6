/**
 * Mount bookkeeping for teardown: find what is mounted below a directory, unmount it deepest
 * first, and only then delete files, never crossing into another file system (a crashed
 * debootstrap leaves /proc and /sys mounted inside its target).
 */
import { readFileSync, existsSync } from 'node:fs';
import { run } from './run.ts';

/** Mount points from /proc/self/mountinfo, with the kernel's octal escapes decoded. */
export function mountPoints(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.push(field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export function mountsUnder(prefix: string, mountinfo?: string): string[] {
  const p = prefix.replace(/\/+$/, '');
  return mountPoints(mountinfo)
    .filter((m) => m === p || m.startsWith(`${p}/`))
    .sort((a, b) => b.length - a.length);
}

export function isMounted(path: string): boolean {
  return mountsUnder(path).includes(path.replace(/\/+$/, ''));
}

export async function unmountUnder(prefix: string): Promise<void> {
  for (const m of mountsUnder(prefix)) {
    const r = await run(['umount', m], { allowFail: true });
    if (r.rc !== 0) await run(['umount', '--lazy', m], { allowFail: true });
  }
  const left = mountsUnder(prefix);
  if (left.length) throw new Error(`still mounted after umount: ${left.join(', ')}`);
}

/** Unmount, then delete, staying on this file system. */
export async function removeTree(path: string): Promise<void> {
  if (!existsSync(path)) return;
  await unmountUnder(path);
  await run(['rm', '-rf', '--one-file-system', '--', path]);
}
