/** kubeconfig's plan: pure, from the controller material and the host file to the changes. */
import { dirname } from 'node:path/posix';
import type { Change, Plan } from '../../api.ts';
import type { StatInfo } from '../../facts/stat.ts';
import { redactKubeconfig } from './redact.ts';
import { renderKubeconfig, type KubeconfigData } from './render.ts';
import type { KubeconfigArgs } from './schema.ts';

export interface KubeconfigState {
  /** What to embed; undefined when some controller file is missing (see missing). */
  data?: KubeconfigData;
  /** Controller files that do not exist (yet). */
  missing: string[];
  /** The earlier task of this run after which every missing file exists (from the controller's ledger). */
  missingAfter?: string;
  /** dirExists: the parent directory exists, or an earlier task of this run creates it. */
  host: { file: StatInfo; content?: string; dirExists: boolean };
}

const mode4 = (m: string): string => m.padStart(4, '0');

export function planKubeconfig(s: KubeconfigState, a: KubeconfigArgs, check: boolean): Plan {
  const changes: Change[] = [];
  const mode = mode4(a.mode ?? '0600');
  const own = { ...(a.owner ? { owner: a.owner } : {}), ...(a.group ? { group: a.group } : {}) };
  const dir = dirname(a.path);
  if (!s.host.dirExists) {
    changes.push({ summary: `create directory ${dir}`, ops: [{ kind: 'exec', cmd: ['mkdir', '-p', dir] }], effects: [{ kind: 'path', path: dir, state: 'directory' }] });
  }
  if (!s.data) {
    // check mode predicts the real run: it fails too unless earlier tasks create every missing file
    if (!check || !s.missingAfter) return { changes: [], failed: `kubeconfig ${a.path}: missing on the controller: ${s.missing.join(', ')}` };
    // check mode on a fresh controller: the cert tasks before this one would create the files
    changes.push({
      summary: `write ${a.path} (${s.missing.join(', ')} not created yet)`,
      ops: [],
      effects: [{ kind: 'path', path: a.path, state: 'file', mode }],
      after: s.missingAfter,
    });
    return { changes };
  }
  const want = renderKubeconfig(s.data);
  const f = s.host.file;
  if (f.exists && f.type !== 'file') return { changes: [], failed: `${a.path} exists and is not a regular file` };
  if (!f.exists || s.host.content !== want) {
    changes.push({
      summary: `${f.exists ? 'update' : 'create'} ${a.path} (user ${s.data.user}, cluster ${s.data.cluster}, ${s.data.server})`,
      ops: [{ kind: 'put', path: a.path, content: want, mode, ...own }],
      // the diff is of a redacted rendering: embedded keys and tokens never leave the put op
      diff: { path: a.path, before: f.exists ? redactKubeconfig(s.host.content ?? '') : '', after: redactKubeconfig(want) },
    });
    return { changes };
  }
  if (f.mode !== mode) {
    changes.push({ summary: `mode ${f.mode} → ${mode} ${a.path}`, ops: [{ kind: 'exec', cmd: ['chmod', mode, a.path] }], diff: { path: a.path, before: `mode ${f.mode}`, after: `mode ${mode}` } });
  }
  if ((a.owner && f.owner !== a.owner) || (a.group && f.group !== a.group)) {
    const spec = `${a.owner ?? ''}${a.group ? `:${a.group}` : ''}`;
    changes.push({
      summary: `owner ${f.owner}:${f.group} → ${a.owner ?? f.owner}:${a.group ?? f.group} ${a.path}`,
      ops: [{ kind: 'exec', cmd: ['chown', spec, a.path] }],
    });
  }
  return { changes };
}
