/**
 * read() cannot change a host (docs/architecture.md, "Reading is read-only"): the read context has
 * no exec, and the only commands it runs are probes and queries. Those are made by defineProbe,
 * defineQuery and defineParsedQuery (modules/facts/read-only.ts), which this test allows only in
 * modules/facts/ and in files named probes.ts: the reviewed list of what kplay runs on a host to
 * read it. A cast to the branded types would get around that, so casts are held to the same files.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { localReadContext, ROOT, tsFiles } from '../../support/source-tree.ts';
import type { ReadContext } from '../../../modules/api.ts';

const MAKERS = new Set(['defineProbe', 'defineQuery', 'defineParsedQuery']);
const BRANDED = new Set(['Probe', 'HostQuery', 'ParsedQuery']);

const reviewed = (file: string): boolean => file.startsWith('modules/facts/') || file.endsWith('/probes.ts');

/** Calls of defineProbe/defineQuery and casts to Probe/HostQuery, as "file:line what". */
function makers(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (n: ts.Node, what: string) => found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1} ${what}`);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && MAKERS.has(n.expression.text)) at(n, n.expression.text);
    if ((ts.isAsExpression(n) || ts.isTypeAssertionExpression(n)) && ts.isTypeReferenceNode(n.type) && ts.isIdentifier(n.type.typeName) && BRANDED.has(n.type.typeName.text)) {
      at(n, `as ${n.type.typeName.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('read() is read-only', () => {
  it('probes and queries are made only in modules/facts/ and probes.ts files', () => {
    const files = [...tsFiles('engine'), ...tsFiles('modules')].map((f) => relative(ROOT, join(ROOT, f)));
    const outside = files.filter((f) => !reviewed(f)).flatMap(makers);
    expect(outside).to.deep.equal([]);
    // the check sees the makers where they are allowed (so a renamed function cannot slip past it)
    expect(files.filter(reviewed).flatMap(makers).length).to.be.greaterThan(20);
  });

  it('the read context has no way to run a command of its own choosing', () => {
    const ctx = localReadContext();
    expect(ctx).not.to.have.property('exec');
    // and by type: this line fails to compile (npm run typecheck) if exec comes back
    // @ts-expect-error ReadContext has no exec
    const exec: unknown = (ctx satisfies ReadContext).exec;
    expect(exec).to.equal(undefined);
  });
});
