/** user: a local user account. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type Plan } from '../api.ts';
import { runProbes, type Probe } from '../facts/batch.ts';
import { passwd, userGroups, type PasswdEntry } from '../facts/accounts.ts';
import { lineDiff } from './common/diff.ts';
import { shadowHash } from './probes.ts';

const schema = Type.Object(
  {
    name: Type.String({ description: 'The user name.', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$' }),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'Whether the account should exist.', default: 'present' })),
    uid: Type.Optional(Type.Integer({ description: 'The numeric user id.', minimum: 0 })),
    group: Type.Optional(Type.String({ description: 'The primary group (name or gid); it must exist.' })),
    groups: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()], { description: 'Supplementary groups (a list, or a comma-separated string). An empty list removes all (unless append).' })),
    append: Type.Optional(Type.Boolean({ description: 'Add the groups to the present ones instead of setting the exact list.', default: false })),
    system: Type.Optional(Type.Boolean({ description: 'Create a system account (id from the system range). Only used on creation.', default: false })),
    shell: Type.Optional(Type.String({ description: 'The login shell.' })),
    home: Type.Optional(Type.String({ description: 'The home directory.' })),
    create_home: Type.Optional(Type.Boolean({ description: 'Create the home directory when the account is created.', default: true })),
    comment: Type.Optional(Type.String({ description: 'The GECOS field.' })),
    password: Type.Optional(Type.String({ description: 'The password hash as in /etc/shadow (crypt(3) format), never a clear-text password. Never shown.' })),
    remove: Type.Optional(Type.Boolean({ description: 'With state absent: also remove the home directory and mail spool (userdel -r).', default: false })),
  },
  { additionalProperties: false },
);

export type UserArgs = Static<typeof schema>;

export interface UserState {
  entry?: PasswdEntry;
  /** Primary group name first, then supplementary groups. */
  groups?: string[];
  /** The shadow hash, only read when a password is given. */
  hash?: string;
}

export function groupList(g: UserArgs['groups']): string[] | undefined {
  if (g === undefined) return undefined;
  return (Array.isArray(g) ? g : g.split(',')).map((x) => x.trim()).filter(Boolean);
}

function prop(name: string, label: string, before: string, after: string, cmd: string[]): Change {
  return { summary: `user ${name}: ${label}: ${before} → ${after}`, ops: [{ kind: 'exec', cmd }], diff: { path: `user ${name}`, ...lineDiff(label, before, after) } };
}

/** The hash goes through stdin, so it never shows in the host's process list. */
function chpasswd(name: string, hash: string): Change['ops'][number] {
  return { kind: 'exec', cmd: ['chpasswd', '-e'], stdin: `${name}:${hash}\n` };
}

export function planUser(s: UserState, a: UserArgs): Plan {
  const e = s.entry;
  const name = a.name;
  const groups = groupList(a.groups);
  if ((a.state ?? 'present') === 'absent') {
    if (!e) return { changes: [] };
    return { changes: [prop(name, 'state', 'present', 'absent', ['userdel', ...(a.remove ? ['-r'] : []), name])] };
  }
  if (!e) {
    const cmd = [
      'useradd',
      ...(a.uid !== undefined ? ['-u', String(a.uid)] : []),
      ...(a.group !== undefined ? ['-g', a.group] : []),
      ...(groups && groups.length ? ['-G', groups.join(',')] : []),
      ...(a.shell !== undefined ? ['-s', a.shell] : []),
      ...(a.home !== undefined ? ['-d', a.home] : []),
      ...(a.comment !== undefined ? ['-c', a.comment] : []),
      ...(a.system ? ['-r'] : []),
      a.create_home === false ? '-M' : '-m',
      name,
    ];
    const change: Change = prop(name, 'state', 'absent', 'present', cmd);
    if (a.password !== undefined) change.ops.push(chpasswd(name, a.password));
    if (a.create_home !== false && a.home !== undefined) change.effects = [{ kind: 'path', path: a.home, state: 'directory', owner: name }];
    return { changes: [change], result: { name, state: 'present' } };
  }
  const changes: Change[] = [];
  if (a.uid !== undefined && e.uid !== a.uid) changes.push(prop(name, 'uid', String(e.uid), String(a.uid), ['usermod', '-u', String(a.uid), name]));
  const primary = s.groups?.[0];
  if (a.group !== undefined && a.group !== primary && a.group !== String(e.gid)) changes.push(prop(name, 'group', primary ?? String(e.gid), a.group, ['usermod', '-g', a.group, name]));
  if (groups !== undefined) {
    const have = (s.groups ?? []).slice(1);
    const wantPrimary = a.group ?? primary;
    const want = groups.filter((g) => g !== wantPrimary);
    const missing = want.filter((g) => !have.includes(g));
    if (a.append) {
      if (missing.length) changes.push(prop(name, 'groups', have.join(',') || '(none)', [...have, ...missing].join(','), ['usermod', '-a', '-G', missing.join(','), name]));
    } else if (missing.length || have.some((g) => !want.includes(g))) {
      changes.push(prop(name, 'groups', have.join(',') || '(none)', want.join(',') || '(none)', ['usermod', '-G', want.join(','), name]));
    }
  }
  if (a.shell !== undefined && a.shell !== e.shell) changes.push(prop(name, 'shell', e.shell, a.shell, ['usermod', '-s', a.shell, name]));
  if (a.home !== undefined && a.home !== e.home) changes.push(prop(name, 'home', e.home, a.home, ['usermod', '-d', a.home, name]));
  if (a.comment !== undefined && a.comment !== e.gecos) changes.push(prop(name, 'comment', e.gecos, a.comment, ['usermod', '-c', a.comment, name]));
  if (a.password !== undefined && a.password !== s.hash) changes.push({ summary: `user ${name}: password changed`, ops: [chpasswd(name, a.password)], sensitive: true });
  return { changes, result: { name, state: 'present', uid: a.uid ?? e.uid, home: a.home ?? e.home } };
}

export const user = defineModule({
  name: 'user',
  schema,
  doc: {
    short: 'Manage a local user account',
    description: 'Creates, changes or removes a user with useradd/usermod/userdel. Each changed property is one change with a one-line diff (`shell: /bin/sh → /bin/bash`); password changes are sensitive and never shown.',
    examples: `- user: { name: etcd, system: true, shell: /usr/sbin/nologin, home: /var/lib/etcd, create_home: false }`,
    notes: ['password takes a crypt(3) hash, set with chpasswd -e through stdin (never in a command line).'],
  },
  async read(ctx, a): Promise<UserState> {
    const probes: Record<string, Probe<unknown>> = { entry: passwd(a.name) };
    // `id -Gn` only when the plan compares groups: a program less on the host otherwise
    if (a.group !== undefined || a.groups !== undefined) probes.groups = userGroups(a.name);
    if (a.password !== undefined) probes.hash = shadowHash(a.name);
    const r = (await runProbes(ctx, probes)) as { entry?: PasswdEntry; groups?: string[]; hash?: string };
    return { ...(r.entry ? { entry: r.entry } : {}), ...(r.groups ? { groups: r.groups } : {}), ...(r.hash !== undefined ? { hash: r.hash } : {}) };
  },
  plan: planUser,
});
