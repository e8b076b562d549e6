/** group: a local group. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Plan } from '../api.ts';
import { runProbe } from '../facts/batch.ts';
import { group as groupProbe, type GroupEntry } from '../facts/accounts.ts';
import { lineDiff } from './common/diff.ts';

const schema = Type.Object(
  {
    name: Type.String({ description: 'The group name.', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$' }),
    gid: Type.Optional(Type.Integer({ description: 'The numeric group id.', minimum: 0 })),
    system: Type.Optional(Type.Boolean({ description: 'Create a system group (id from the system range).', default: false })),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'Whether the group should exist.', default: 'present' })),
  },
  { additionalProperties: false },
);

export type GroupArgs = Static<typeof schema>;

export interface GroupState {
  entry?: GroupEntry;
}

export function planGroup(s: GroupState, a: GroupArgs): Plan {
  const e = s.entry;
  if ((a.state ?? 'present') === 'absent') {
    return e ? { changes: [{ summary: `group ${a.name}: present → absent`, ops: [{ kind: 'exec', cmd: ['groupdel', a.name] }], diff: { path: `group ${a.name}`, ...lineDiff('state', 'present', 'absent') } }] } : { changes: [] };
  }
  if (!e) {
    const cmd = ['groupadd', ...(a.gid !== undefined ? ['-g', String(a.gid)] : []), ...(a.system ? ['-r'] : []), a.name];
    return { changes: [{ summary: `group ${a.name}: absent → present${a.gid !== undefined ? ` (gid ${a.gid})` : ''}`, ops: [{ kind: 'exec', cmd }], diff: { path: `group ${a.name}`, ...lineDiff('state', 'absent', 'present') } }], result: { name: a.name } };
  }
  if (a.gid !== undefined && e.gid !== a.gid) {
    return { changes: [{ summary: `group ${a.name}: gid ${e.gid} → ${a.gid}`, ops: [{ kind: 'exec', cmd: ['groupmod', '-g', String(a.gid), a.name] }], diff: { path: `group ${a.name}`, ...lineDiff('gid', String(e.gid), String(a.gid)) } }], result: { name: a.name, gid: a.gid } };
  }
  return { changes: [], result: { name: a.name, gid: e.gid } };
}

export const group = defineModule({
  name: 'group',
  schema,
  doc: {
    short: 'Manage a local group',
    description: 'Creates, changes the gid of, or removes a group with groupadd/groupmod/groupdel.',
    examples: `- group: { name: etcd, system: true }`,
  },
  read: async (ctx, a): Promise<GroupState> => {
    const entry = await runProbe(ctx, groupProbe(a.name));
    return entry ? { entry } : {};
  },
  plan: planGroup,
});
