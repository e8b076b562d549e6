/**
 * `kplay doc MODULE` and `kplay doc --list`: terminal documentation built from the module's own
 * schema and doc block, laid out like ansible-doc (`=` marks a required option, `-` an optional one).
 */
import type { AnyModule } from '../../modules/api.ts';
import { formatValue, schemaOptions, type OptionDoc } from './options.ts';
import { wrap } from './text.ts';

const WIDTH = 80;

export function renderModuleDoc(module: AnyModule): string {
  const doc = module.doc ?? { short: '' };
  const lines: string[] = [`> ${module.name.toUpperCase()}`, ...wrap(doc.short ?? '', WIDTH, '  ')];
  if (doc.description) lines.push('', ...wrap(doc.description, WIDTH, '  '));

  const options = schemaOptions(module.schema);
  lines.push('', 'OPTIONS (= is required)');
  if (options.length === 0) lines.push('', '  This module takes no options.');
  for (const o of options) lines.push('', ...optionLines(o, ''));

  const notes = [...(doc.notes ?? []), ...behaviourNotes(module)];
  if (notes.length) {
    lines.push('', 'NOTES');
    for (const n of notes) lines.push(...wrap(n, WIDTH, '    ').map((l, i) => (i === 0 ? `  * ${l.trimStart()}` : l)));
  }
  if (doc.examples) {
    lines.push('', 'EXAMPLES', '', ...doc.examples.replace(/\n+$/, '').split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

function optionLines(o: OptionDoc, indent: string): string[] {
  const lines = [`${indent}${o.required ? '=' : '-'} ${o.name}  (${o.type})`];
  const body = `${indent}    `;
  if (o.description) lines.push(...wrap(o.description, WIDTH, body));
  if (o.aliases.length) lines.push(`${body}aliases: ${o.aliases.join(', ')}`);
  if (o.choices) lines.push(`${body}choices: ${o.choices.map(formatValue).join(', ')}`);
  if (o.default !== undefined) lines.push(`${body}default: ${formatValue(o.default)}`);
  if (o.suboptions) {
    lines.push(`${body}suboptions:`);
    for (const s of o.suboptions) lines.push(...optionLines(s, `${body}  `));
  }
  return lines;
}

/** What the module's definition says about its behaviour beyond the options. */
export function behaviourNotes(module: AnyModule): string[] {
  const notes: string[] = [];
  if (module.freeForm) notes.push(`Takes a free-form string as \`${module.freeForm}\`: \`${module.name}: <${module.freeForm}>\`.`);
  if (module.checkMode === 'skip') notes.push('Skipped in check mode: its effect cannot be predicted.');
  else if (typeof module.checkMode === 'function') notes.push('Skipped in check mode unless its arguments let kplay predict the effect (e.g. creates/removes).');
  return notes;
}

/** One line per module, sorted: name and short description, aligned. */
export function listModules(modules: Record<string, AnyModule>): string {
  const names = Object.keys(modules).sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  return names.map((n) => `${n.padEnd(width)}  ${modules[n]?.doc?.short ?? ''}`.trimEnd()).join('\n');
}
