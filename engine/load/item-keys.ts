/**
 * The keys of a task, block or import mapping: which are keywords, which name a module or a loader
 * action, which are legacy or unknown (each reported at its own position), and the check of the
 * keywords' values against the item's schema.
 */
import { KplayError, didYouMean } from '../errors.ts';
import { canonicalModuleName } from '../../modules/index.ts';
import type { LoadContext, Scope } from './context.ts';
import { BlockKeywords, HandlerKeywords, LOADER_ACTIONS, TaskKeywords } from './keywords.ts';
import { checkKeywordValues } from './keyword-values.ts';
import type { Mapping } from './mapping.ts';
import { unknownModuleError } from './module-args.ts';
import { validateWith } from './schema-errors.ts';
import { copyPositions, keyLoc, locAtPath } from './yaml-positions.ts';

function isModule(key: string, ctx: LoadContext): boolean {
  return canonicalModuleName(key) in ctx.modules;
}

function isLoaderAction(key: string): boolean {
  return (LOADER_ACTIONS as readonly string[]).includes(canonicalModuleName(key));
}

function keywordNames(scope: Scope): string[] {
  return Object.keys((scope.handlers ? HandlerKeywords : TaskKeywords).properties);
}

/** Keys Ansible once had, with what to write instead. */
const LEGACY: Record<string, string> = {
  include: "'include' is gone: use import_tasks (static) or include_tasks (dynamic)",
  with_dict: "'with_dict' is not supported: loop over a list instead",
  with_fileglob: "'with_fileglob' is not supported: loop over a list instead",
  with_sequence: "'with_sequence' is not supported: loop over a list instead",
  async: "'async' is not supported",
  poll: "'poll' is not supported",
};

/** The mapping without its legacy keys (each reported), and those keys: a module of that name is not legacy. */
export function withoutLegacyKeys(map: Mapping, ctx: LoadContext): { map: Mapping; legacy: string[] } {
  const legacy = Object.keys(map).filter((k) => k in LEGACY && !isModule(k, ctx));
  if (legacy.length === 0) return { map, legacy };
  for (const k of legacy) ctx.diag.error(new KplayError('KPLAY_SCHEMA', LEGACY[k]!, { loc: keyLoc(map, k) }));
  const rest = withoutKeys(map, legacy);
  copyPositions(map, rest);
  return { map: rest, legacy };
}

export interface ItemKeys {
  /** Keys that name a module or a loader action (meta, import_tasks, block …), in source order. */
  actions: string[];
  /** Keys that are neither a keyword of the item nor an action. */
  unknown: string[];
  /** Every keyword a task (or handler) or a block may have. */
  keywords: Set<string>;
}

export function classifyKeys(map: Mapping, scope: Scope, ctx: LoadContext): ItemKeys {
  const keys = Object.keys(map);
  const keywords = new Set([...keywordNames(scope), ...Object.keys(BlockKeywords.properties)]);
  const actions = keys.filter((k) => isLoaderAction(k) || isModule(k, ctx));
  const unknown = keys.filter((k) => !keywords.has(k) && !actions.includes(k));
  return { actions, unknown, keywords };
}

/** A task without a module: each unknown key is a misspelt keyword or an unknown module. */
export function reportUnknownKeys(map: Mapping, { unknown, keywords }: ItemKeys, scope: Scope, ctx: LoadContext): void {
  const candidates = [...Object.keys(ctx.modules), ...LOADER_ACTIONS, ...keywordNames(scope)];
  for (const k of unknown) {
    const guess = didYouMean(canonicalModuleName(k), candidates);
    if (unknown.length === 1 && !(guess && keywords.has(guess))) ctx.diag.error(unknownModuleError(k, ctx.modules, keyLoc(map, k)));
    else
      ctx.diag.error(
        new KplayError(unknown.length === 1 ? 'KPLAY_SCHEMA' : 'KPLAY_UNKNOWN_MODULE', `unknown ${unknown.length === 1 ? 'keyword' : 'keyword or module'} '${k}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
          loc: keyLoc(map, k),
        }),
      );
  }
}

function withoutKeys(map: Mapping, keys: string[]): Mapping {
  const out: Mapping = {};
  for (const [k, v] of Object.entries(map)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Validate an item's own keywords against a schema; errors located in the original mapping. */
export function checkKeywords(map: Mapping, schema: Parameters<typeof validateWith>[0], omit: string[], what: string, ctx: LoadContext): void {
  checkKeywordValues(map, ctx.diag, Object.keys(map).filter((k) => !omit.includes(k)));
  ctx.diag.add(
    validateWith(schema, withoutKeys(map, omit), {
      locate: (path, want) => locAtPath(map, path, want),
      noun: 'keyword',
      context: what,
      lenientTemplates: true,
    }),
  );
}
