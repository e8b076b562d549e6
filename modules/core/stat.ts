import { Type } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { runProbes } from '../facts/batch.ts';
import { stat as statProbe } from '../facts/stat.ts';
import { checksum } from '../facts/checksum.ts';

/** Read-only: what a path is, for `when:` conditions (Kubespray uses it everywhere). */
export const stat = defineModule({
  name: 'stat',
  schema: Type.Object(
    {
      path: Type.String({ description: 'The path to look at.' }),
      follow: Type.Optional(Type.Boolean({ description: 'Follow a symlink to what it points to.', default: false })),
      get_checksum: Type.Optional(Type.Boolean({ description: 'Add `checksum` (sha256) for a regular file.', default: false })),
      checksum_algorithm: Type.Optional(Type.Literal('sha256', { description: 'Only sha256 is supported.' })),
    },
    { additionalProperties: false },
  ),
  doc: {
    short: 'Look at a file or directory (never changes anything)',
    description: 'Registers `stat`: exists, isdir, isreg, islnk, mode, pw_name, gr_name, uid, gid, size, lnk_target and, with get_checksum, checksum.',
    examples: '- stat:\n    path: /etc/kubernetes/admin.conf\n  register: admin_conf\n- debug:\n    msg: exists\n  when: admin_conf.stat.exists',
  },
  async read(ctx, a) {
    const probes = { info: statProbe(a.path, a.follow ?? false), ...(a.get_checksum ? { sum: checksum(a.path) } : {}) };
    return runProbes(ctx, probes);
  },
  plan(s) {
    const i = s.info;
    if (!i.exists) return { changes: [], result: { stat: { exists: false } } };
    return {
      changes: [],
      result: {
        stat: {
          exists: true,
          isdir: i.type === 'directory',
          isreg: i.type === 'file',
          islnk: i.type === 'link',
          mode: i.mode,
          pw_name: i.owner,
          gr_name: i.group,
          uid: i.uid,
          gid: i.gid,
          size: i.size,
          ...(i.target !== undefined ? { lnk_target: i.target } : {}),
          ...('sum' in s && s.sum ? { checksum: s.sum } : {}),
        },
      },
    };
  },
});
