/** --list-hosts / --list-tasks / --list-tags: what a run would touch, without running it. */
import type { Item, Playbook } from '../playbook/model.ts';
import type { Inventory } from '../inventory/index.ts';
import { tagsSelect } from '../executor/tags.ts';
import { hostPattern } from '../executor/play-runner.ts';

export function listing(
  playbooks: Playbook[],
  inventory: Inventory,
  o: { limit?: string; tags: string[]; skipTags: string[]; hosts: boolean; tasks: boolean; tagsList: boolean },
): string {
  const lines: string[] = [];
  const limit = o.limit ? new Set(inventory.match(o.limit)) : undefined;
  for (const pb of playbooks) {
    lines.push(`playbook: ${pb.file}`, '');
    pb.plays.forEach((play, i) => {
      lines.push(`  play #${i + 1} (${play.hosts}): ${play.name ?? play.hosts}\tTAGS: [${play.tags.join(', ')}]`);
      if (o.hosts) {
        const hosts = inventory.match(hostPattern(play, {})).filter((h) => !limit || limit.has(h));
        lines.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
      }
      const all: { name: string; tags: string[] }[] = [];
      const walk = (items: Item[]) => {
        for (const it of items) {
          if (it.kind === 'block') {
            walk(it.block);
            walk(it.rescue);
            walk(it.always);
          } else if (it.kind === 'task') {
            all.push({ name: it.name ? (it.role ? `${it.role.name} : ${it.name}` : it.name) : it.module, tags: it.tags });
          } else {
            all.push({ name: `${it.kind}: ${it.target}`, tags: it.tags });
          }
        }
      };
      for (const s of play.sections) walk(s.items);
      if (o.tasks) {
        lines.push('    tasks:');
        for (const t of all) if (tagsSelect(t.tags, o.tags, o.skipTags)) lines.push(`      ${t.name}\tTAGS: [${t.tags.join(', ')}]`);
      }
      if (o.tagsList) {
        const tags = [...new Set(all.flatMap((t) => t.tags).concat(play.tags))].sort();
        lines.push(`      TASK TAGS: [${tags.join(', ')}]`);
      }
      lines.push('');
    });
  }
  return `${lines.join('\n')}\n`;
}

