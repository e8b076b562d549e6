/**
 * containerd_image: an image archive on the host imported into containerd (`ctr images import`)
 * when the image is not listed, or removed with state absent; the kplay form of
 * community.docker.docker_image_load for containerd. Changed only when the image is missing.
 */
import { defineModule, type OpResult, type ReadContext } from '../../api.ts';
import { runProbes } from '../../facts/batch.ts';
import { presence } from '../../facts/command.ts';
import { ctrBase, planContainerdImage, socketOf, verifyImport, type ContainerdImageState } from './plan.ts';
import { ctrPresence, imageList } from './probes.ts';
import { ContainerdImageArgs } from './schema.ts';

/** One round trip: ctr, the namespace's images, the archive. */
async function readImage(ctx: ReadContext, a: ContainerdImageArgs): Promise<ContainerdImageState> {
  const probes = { ctr: ctrPresence(a.ctr ?? 'ctr'), list: imageList(ctrBase(a), socketOf(a)) };
  if (!a.archive || a.state === 'absent') return runProbes(ctx, probes);
  return runProbes(ctx, { ...probes, archive: presence(a.archive) });
}

const stdoutOf = (r: OpResult | undefined): string => r?.exec?.stdout ?? '';

export const containerdImage = defineModule({
  name: 'containerd_image',
  schema: ContainerdImageArgs,
  doc: {
    short: 'Import an image archive into containerd (ctr images import) when the image is missing, or remove an image',
    description: [
      'Reads `ctr -n NAMESPACE images ls -q`, whether ctr is there and whether the archive is on the host, in one round trip.',
      'state present: nothing when `name` is listed; else `ctr images import ARCHIVE`, then the list again: the task fails when the archive did not hold `name`. A second run reports changed=0. The archive is needed only when the image is missing (it may be removed after the import).',
      'state absent: `ctr images rm` when `name` is listed.',
      'A missing ctr or a missing archive fails the task in check mode as in the real run. In check mode on a fresh host, where an earlier task of the run installs ctr (or writes the archive), or containerd does not run yet, the image counts as absent: the task reports the import it would do (after: that task). A real run fails when containerd cannot be asked.',
    ].join('\n'),
    examples: [
      '- containerd_image:',
      '    name: registry.k8s.io/pause:3.10.1',
      '    archive: /var/lib/images/pause.tar',
      '    ctr: "{{containerd_bin_dir}}/ctr"',
      '- containerd_image: { name: docker.io/library/busybox:1.36, state: absent }',
    ].join('\n'),
    notes: [
      'Images are compared by name only, in the full form containerd stores (busybox is docker.io/library/busybox:latest): an image of that name with other content is left as it is.',
      'ctr runs as the task\'s user: containerd\'s socket is root\'s (become: true for a non-root connection).',
    ],
  },
  validate(a) {
    return a.state !== 'absent' && !a.archive ? [{ key: 'archive', message: 'archive is required with state present' }] : [];
  },
  read: readImage,
  plan: (s: ContainerdImageState, a, pc) => planContainerdImage(s, a, pc.check),
  result(applied, _s, a) {
    // ops: import, then ls (state present); rm alone (absent); none when nothing changed
    if (a.state === 'absent' || applied.length < 2) return {};
    return verifyImport(stdoutOf(applied[0]), stdoutOf(applied[1]), a);
  },
});
