/** sysctl: a kernel parameter, set live and persisted in a sysctl.d file. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type ReadContext, type Plan } from '../api.ts';
import { runProbes } from '../facts/batch.ts';
import { normalizeSysctl, sysctlPath, sysctlValue } from '../facts/sysctl.ts';
import { statAndContent } from '../facts/content.ts';
import type { StatInfo } from '../facts/stat.ts';
import { sh } from '../../engine/transport/quote.ts';
import { contentDiff, lineDiff } from './common/diff.ts';
import { joinLines, splitLines } from './common/edit-file.ts';

export const DEFAULT_SYSCTL_FILE = '/etc/sysctl.d/99-kplay.conf';

const schema = Type.Object(
  {
    name: Type.String({ description: 'The key, e.g. net.ipv4.ip_forward.', pattern: '^[A-Za-z0-9_./-]+$' }),
    value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'The value (true/false become 1/0). Required with state present.' })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'absent removes the key from sysctl_file (the live value is left alone).', default: 'present' })),
    sysctl_file: Type.Optional(Type.String({ description: 'Where the value is persisted.', default: DEFAULT_SYSCTL_FILE })),
    reload: Type.Optional(Type.Boolean({ description: 'Also set the live value when it differs.', default: true })),
    sysctl_set: Type.Optional(Type.Boolean({ description: 'Set the live value even when reload is false.', default: false })),
  },
  { additionalProperties: false },
);

export type SysctlArgs = Static<typeof schema>;

export interface SysctlState {
  live?: string;
  file?: string;
  fileSt: StatInfo;
  /** The file comes from an earlier task of this check run. */
  after?: string;
}

function keyRe(name: string): RegExp {
  return new RegExp(`^\\s*${name.replace(/[.*+?^${}()|[\]\\/]/g, (c) => (c === '.' || c === '/' ? '[./]' : `\\${c}`))}\\s*=`);
}

/** The persisted value of the key in a sysctl.d file (the last assignment wins). */
export function fileValue(text: string, name: string): string | undefined {
  const re = keyRe(name);
  let v: string | undefined;
  for (const l of splitLines(text)) if (re.test(l)) v = normalizeSysctl(l.slice(l.indexOf('=') + 1));
  return v;
}

/** The file with the key set (first assignment replaced, later ones dropped) or removed. */
export function editSysctlFile(text: string, name: string, value: string | undefined): string {
  const re = keyRe(name);
  const out: string[] = [];
  let done = false;
  for (const l of splitLines(text)) {
    if (!re.test(l)) out.push(l);
    else if (value !== undefined && !done) {
      // an assignment that already says the same (other spacing) stays as written
      out.push(normalizeSysctl(l.slice(l.indexOf('=') + 1)) === value ? l : `${name} = ${value}`);
      done = true;
    }
  }
  if (value !== undefined && !done) out.push(`${name} = ${value}`);
  return joinLines(out);
}

export function planSysctl(s: SysctlState, a: SysctlArgs): Plan {
  const file = a.sysctl_file ?? DEFAULT_SYSCTL_FILE;
  const present = (a.state ?? 'present') === 'present';
  const want = present ? normalizeSysctl(a.value!) : undefined;
  const changes: Change[] = [];
  if (present && s.live === undefined) return { changes, failed: `unknown sysctl key ${a.name} (no ${sysctlPath(a.name)})` };
  if (s.fileSt.exists && s.fileSt.type !== 'file') return { changes, failed: `${file} is not a regular file` };
  const text = s.file ?? '';
  const next = editSysctlFile(text, a.name, want);
  if (next !== text && (s.file !== undefined || present)) {
    const before = fileValue(text, a.name) ?? '(unset)';
    const diff = contentDiff(file, text, next);
    changes.push({
      summary: `${file}: ${a.name} ${before} → ${want ?? '(unset)'}`,
      ops: [{ kind: 'put', path: file, content: next, mode: s.fileSt.exists ? s.fileSt.mode : '0644' }],
      ...(diff ? { diff } : {}),
      ...(s.after ? { after: s.after } : {}),
    });
  }
  const setLive = present && ((a.reload ?? true) || a.sysctl_set === true);
  if (setLive && s.live !== want) {
    changes.push({
      summary: `${a.name}: live ${s.live} → ${want}`,
      ops: [{ kind: 'exec', cmd: sh`printf '%s\\n' ${want!} > ${sysctlPath(a.name)}` }],
      diff: { path: a.name, ...lineDiff('live', s.live!, want!) },
    });
  }
  return { changes, result: { name: a.name, value: want ?? null, live: s.live ?? null } };
}

async function readSysctl(ctx: ReadContext, a: SysctlArgs): Promise<SysctlState> {
  const file = a.sysctl_file ?? DEFAULT_SYSCTL_FILE;
  const r = await runProbes(ctx, { live: sysctlValue(a.name), f: statAndContent(file) });
  const s: SysctlState = { fileSt: r.f.st, ...(r.live !== undefined ? { live: r.live } : {}) };
  const c = r.f.content;
  if (c.exists && 'content' in c) s.file = c.content.toString('utf8');
  if (r.f.plannedBy) s.after = r.f.plannedBy;
  return s;
}

export const sysctl = defineModule({
  name: 'sysctl',
  schema,
  doc: {
    short: 'Set a kernel parameter, live and persisted',
    description:
      'Writes `name = value` into sysctl_file (replacing an earlier assignment of the key) and sets the live value through /proc/sys when it differs. The diff shows the persisted file and the live value (`live: 0 → 1`).',
    examples: `- sysctl: { name: net.ipv4.ip_forward, value: 1 }
- sysctl: { name: net.bridge.bridge-nf-call-iptables, value: 1, sysctl_file: /etc/sysctl.d/k8s.conf }`,
    notes: [
      'Values are compared word by word (tabs and spaces alike): "32768 60999" equals "32768\\t60999".',
      'Only this key is set live; kplay does not reload the whole file (Ansible runs sysctl -p).',
      'Inside containers many keys are read-only; net.* keys are per network namespace.',
    ],
  },
  validate(a) {
    if ((a.state ?? 'present') === 'present' && a.value === undefined) return [{ key: 'value', message: 'state present needs value' }];
    return [];
  },
  read: readSysctl,
  plan: planSysctl,
});
