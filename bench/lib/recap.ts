/** The PLAY RECAP lines, which kplay prints in Ansible's format. */
export interface Recap {
  hosts: number;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

export function parseRecap(stdout: string): Recap {
  const text = stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const tail = text.slice(text.lastIndexOf('PLAY RECAP'));
  const r: Recap = { hosts: 0, ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0 };
  for (const m of tail.matchAll(/^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/gm)) {
    r.hosts += 1;
    r.ok += Number(m[1]);
    r.changed += Number(m[2]);
    r.unreachable += Number(m[3]);
    r.failed += Number(m[4]);
    r.skipped += Number(m[5]);
  }
  return r;
}
