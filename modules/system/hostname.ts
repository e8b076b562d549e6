/** hostname: the live host name and /etc/hostname. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule, type Change, type Plan } from '../api.ts';
import { runProbes } from '../facts/batch.ts';
import { fileContent } from '../facts/content.ts';
import { sh } from '../../engine/transport/quote.ts';
import { contentDiff, lineDiff } from './common/diff.ts';
import { liveHostname } from './probes.ts';

const schema = Type.Object(
  {
    name: Type.String({ description: 'The host name (RFC 1123: letters, digits, hyphens, dots).', pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$' }),
  },
  { additionalProperties: false },
);

export type HostnameArgs = Static<typeof schema>;

export interface HostnameState {
  live: string;
  /** /etc/hostname, undefined when missing. */
  file?: string;
}

export function planHostname(s: HostnameState, a: HostnameArgs): Plan {
  const changes: Change[] = [];
  const want = `${a.name}\n`;
  if (s.file?.trim() !== a.name) {
    const diff = contentDiff('/etc/hostname', s.file ?? '', want);
    changes.push({ summary: `/etc/hostname: ${s.file?.trim() || '(none)'} → ${a.name}`, ops: [{ kind: 'put', path: '/etc/hostname', content: want, mode: '0644' }], ...(diff ? { diff } : {}) });
  }
  if (s.live !== a.name) {
    changes.push({
      summary: `hostname: ${s.live} → ${a.name}`,
      ops: [{ kind: 'exec', cmd: sh`if command -v hostname >/dev/null 2>&1; then hostname ${a.name}; else printf '%s\\n' ${a.name} > /proc/sys/kernel/hostname; fi` }],
      diff: { path: 'hostname', ...lineDiff('hostname', s.live, a.name) },
    });
  }
  return { changes, result: { name: a.name } };
}

export const hostname = defineModule({
  name: 'hostname',
  schema,
  doc: {
    short: "Set the host's name",
    description: 'Writes /etc/hostname and sets the running kernel\'s host name (the `hostname` command, or /proc/sys/kernel/hostname). /etc/hosts is not touched: use lineinfile or blockinfile for it.',
    examples: `- hostname: { name: '{{inventory_hostname}}' }`,
  },
  async read(ctx): Promise<HostnameState> {
    const r = await runProbes(ctx, { live: liveHostname, file: fileContent('/etc/hostname') });
    return { live: r.live, ...(r.file.exists && 'content' in r.file ? { file: r.file.content.toString('utf8') } : {}) };
  },
  plan: planHostname,
});
