/** Runs a parsed query: the command, its parser, and in check mode its planned answer (as runProbes does for probes). */
import type { ParsedQuery, QueryRunner } from './read-only.ts';

export type { ParsedQuery } from './read-only.ts';

export async function runQuery<T>(ctx: QueryRunner, q: ParsedQuery<T>): Promise<T> {
  const found = q.parse(await ctx.query(q.query));
  return q.planned && ctx.planned ? q.planned(found, ctx.planned) : found;
}
