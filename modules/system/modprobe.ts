/** modprobe: a kernel module loaded (or not), and loaded at boot. Built-in modules count as loaded. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type ReadContext, type Plan } from '../api.ts';
import { runProbes } from '../facts/batch.ts';
import { fileContent, type FileContent } from '../facts/content.ts';
import { contentDiff } from './common/diff.ts';
import { loadedProbe } from './probes.ts';

const schema = Type.Object(
  {
    name: Type.String({ description: 'The module, e.g. br_netfilter.', pattern: '^[A-Za-z0-9_-]+$' }),
    state: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')], { description: 'Loaded or not.', default: 'present' })),
    params: Type.Optional(Type.String({ description: 'Module parameters, as modprobe takes them: "foo=1 bar=2".', default: '' })),
    persistent: Type.Optional(
      Type.Union([Type.Literal('disabled'), Type.Literal('present'), Type.Literal('absent')], {
        description: 'present: load at boot (/etc/modules-load.d/NAME.conf, and /etc/modprobe.d/NAME.conf with params); absent: remove those files; disabled: leave them alone.',
        default: 'disabled',
      }),
    ),
  },
  { additionalProperties: false },
);

export type ModprobeArgs = Static<typeof schema>;

export type Loaded = 'module' | 'builtin' | 'absent';

export interface ModprobeState {
  loaded: Loaded;
  loadConf: FileContent;
  optionsConf: FileContent;
}

export function loadConfPath(name: string): string {
  return `/etc/modules-load.d/${name}.conf`;
}

export function optionsConfPath(name: string): string {
  return `/etc/modprobe.d/${name}.conf`;
}

function text(c: FileContent): string | undefined {
  return c.exists && 'content' in c ? c.content.toString('utf8') : undefined;
}

function putChange(path: string, before: string | undefined, after: string): Change {
  const diff = contentDiff(path, before ?? '', after);
  return { summary: `${path}: ${before === undefined ? 'create' : 'update'}`, ops: [{ kind: 'put', path, content: after, mode: '0644' }], ...(diff ? { diff } : {}) };
}

function removeChange(path: string, before: string): Change {
  return { summary: `${path}: remove`, ops: [{ kind: 'remove', path }], diff: { path, before, after: '' } };
}

export function planModprobe(s: ModprobeState, a: ModprobeArgs): Plan {
  const changes: Change[] = [];
  const params = (a.params ?? '').trim();
  const present = (a.state ?? 'present') === 'present';
  if (present && s.loaded === 'absent') {
    changes.push({ summary: `${a.name}: loaded: false → true`, ops: [{ kind: 'exec', cmd: ['modprobe', '--', a.name, ...params.split(/\s+/).filter(Boolean)] }], diff: { path: a.name, before: 'loaded: false\n', after: 'loaded: true\n' } });
  }
  if (!present && s.loaded === 'module') {
    changes.push({ summary: `${a.name}: loaded: true → false`, ops: [{ kind: 'exec', cmd: ['modprobe', '-r', '--', a.name] }], diff: { path: a.name, before: 'loaded: true\n', after: 'loaded: false\n' } });
  }
  if (!present && s.loaded === 'builtin') return { changes, failed: `${a.name} is built into the kernel: it cannot be unloaded` };
  const load = text(s.loadConf);
  const opts = text(s.optionsConf);
  if (a.persistent === 'present') {
    if (load !== `${a.name}\n`) changes.push(putChange(loadConfPath(a.name), load, `${a.name}\n`));
    if (params && opts !== `options ${a.name} ${params}\n`) changes.push(putChange(optionsConfPath(a.name), opts, `options ${a.name} ${params}\n`));
  } else if (a.persistent === 'absent') {
    if (load !== undefined) changes.push(removeChange(loadConfPath(a.name), load));
    if (opts !== undefined) changes.push(removeChange(optionsConfPath(a.name), opts));
  }
  return { changes, result: { name: a.name, builtin: s.loaded === 'builtin', params } };
}

async function readModprobe(ctx: ReadContext, a: ModprobeArgs): Promise<ModprobeState> {
  const r = await runProbes(ctx, { loaded: loadedProbe(a.name), load: fileContent(loadConfPath(a.name)), opts: fileContent(optionsConfPath(a.name)) });
  return { loaded: r.loaded, loadConf: r.load, optionsConf: r.opts };
}

export const modprobe = defineModule({
  name: 'modprobe',
  schema,
  doc: {
    short: 'Load or unload a kernel module',
    description:
      'Loads a module with modprobe when it is not loaded, and writes /etc/modules-load.d/NAME.conf (and options in /etc/modprobe.d/NAME.conf) with persistent: present. A module built into the kernel counts as loaded (/sys/module/NAME, modules.builtin, or the feature\'s /proc path such as /proc/sys/net/bridge for br_netfilter), so kernels without loadable modules pass.',
    examples: `- modprobe: { name: br_netfilter, persistent: present }
- modprobe: { name: overlay }`,
    notes: ['Parameters of an already loaded module are not compared (as in Ansible).', 'Unloading a built-in module fails the task.'],
  },
  read: readModprobe,
  plan: planModprobe,
});
