/** A playbook file: a list of plays and import_playbook entries (expanded in place). */
import { dirname, resolve } from 'node:path';
import { KplayError } from '../errors.ts';
import type { Play } from '../playbook/model.ts';
import type { LoadContext } from './context.ts';
import { combine, NOTHING_INHERITED, parseConditions, parseTags, parseVars, type Inherited } from './inherit.ts';
import { ImportPlaybookKeywords } from './keywords.ts';
import { isFile, staticPath } from './paths.ts';
import { loadPlay } from './play.ts';
import { validateWith } from './schema-errors.ts';
import { readYamlFile } from './yaml.ts';
import { itemLoc, locAtPath, nodeLoc, valueLoc } from './yaml-positions.ts';
import type { SourceLoc } from '../errors.ts';

type Map_ = Record<string, unknown>;

function isMapping(v: unknown): v is Map_ {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function loadPlaybookFile(file: string, ctx: LoadContext, outer: Inherited = NOTHING_INHERITED, stack: string[] = [], refLoc?: SourceLoc): Play[] {
  if (stack.includes(file)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', `import_playbook cycle: ${[...stack, file].join(' → ')}`, { loc: refLoc }));
    return [];
  }
  if (!isFile(file)) {
    ctx.diag.error(new KplayError('KPLAY_FILE_NOT_FOUND', `playbook not found: ${file}`, { loc: refLoc }));
    return [];
  }
  const parsed = readYamlFile(file);
  ctx.diag.add(parsed.errors);
  const doc = parsed.value;
  if (doc === undefined || doc === null) {
    if (parsed.errors.length === 0) ctx.diag.warn('playbook is empty', { file, line: 1, col: 1 });
    return [];
  }
  if (!Array.isArray(doc)) {
    ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'a playbook must be a list of plays', { loc: nodeLoc(doc) ?? { file, line: 1, col: 1 } }));
    return [];
  }
  // Roles and relative paths of an imported playbook resolve from its own directory.
  const fileCtx: LoadContext = { ...ctx, playbookDir: dirname(file) };
  const plays: Play[] = [];
  doc.forEach((entry, i) => {
    const loc = itemLoc(doc, i) ?? { file, line: 1, col: 1 };
    if (!isMapping(entry)) {
      ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'a play must be a mapping', { loc }));
      return;
    }
    if ('import_playbook' in entry) {
      ctx.diag.add(
        validateWith(ImportPlaybookKeywords, entry, { locate: (p, w) => locAtPath(entry, p, w), noun: 'keyword', context: 'for import_playbook', lenientTemplates: true }),
      );
      const target = entry['import_playbook'];
      if (typeof target !== 'string') return;
      const targetLoc = valueLoc(entry, 'import_playbook');
      const path = staticPath(target, ctx);
      if (path === undefined) {
        ctx.diag.error(new KplayError('KPLAY_SCHEMA', 'import_playbook needs a path known at load time', { loc: targetLoc }));
        return;
      }
      const own: Inherited = { when: parseConditions(entry, 'when', ctx.diag), tags: parseTags(entry['tags']), vars: parseVars(entry['vars']), keywords: {} };
      plays.push(...loadPlaybookFile(resolve(dirname(file), path), ctx, combine(outer, own), [...stack, file], targetLoc));
      return;
    }
    const play = loadPlay(entry, nodeLoc(entry) ?? loc, file, outer, fileCtx);
    if (play) plays.push(play);
  });
  return plays;
}
