/**
 * Modules never read the run's ledger (docs/architecture.md, "Check mode that sees the whole
 * plan"): in check mode the probes that read a path or a chain answer for the earlier tasks of the
 * run (their `planned` hook, run by runProbes/runQuery), and the read context's controllerFile and
 * findFile do it for controller files. So a module plans from what it reads, as in a real run, and
 * check mode predicts that run without each module knowing the ledger's rules.
 *
 * The hooks live where probes are made (modules/facts/ and probes.ts files, which
 * read-only.test.ts already holds the makers to). This test type-checks modules/ and fails, anywhere
 * else, on reaching a ledger (`ctx.planned`, `const { planned } = ctx`), on asking one for a path or
 * a chain, and on the old names `ledger` and `controllerLedger`.
 */
import { expect } from 'chai';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { localReadContext, ROOT, tsFiles } from '../../support/source-tree.ts';
import type { ReadContext } from '../../../modules/api.ts';

const LEDGER_TYPES = new Set(['Ledger', 'HostLedger']);
const OLD_NAMES = new Set(['ledger', 'controllerLedger']);

/** Where the ledger may be read: the probes (and their makers), and api.ts, which declares the type. */
const allowed = (file: string): boolean => file.startsWith('modules/facts/') || file.endsWith('/probes.ts') || file === 'modules/api.ts';

function isLedger(t: ts.Type): boolean {
  if (t.isUnion() || t.isIntersection()) return t.types.some(isLedger);
  const s = t.aliasSymbol ?? t.getSymbol();
  return s !== undefined && LEDGER_TYPES.has(s.getName());
}

/** Where a module could reach a ledger: reading a property or a binding of that name, or asking one for a path or chain. */
const SUSPECT_NAMES = new Set([...OLD_NAMES, 'planned', 'path', 'chain']);

/**
 * Ledgers reached, as "file:line name": a property or destructured binding of a ledger type (ctx.planned),
 * a ledger asked for a path or a chain, and the names ledger/controllerLedger. Only these nodes are
 * typed: asking the checker for the type of every identifier costs a minute on a busy machine.
 */
function ledgerReads(program: ts.Program, checker: ts.TypeChecker, file: string): string[] {
  const sf = program.getSourceFile(join(ROOT, file));
  if (!sf) throw new Error(`${file} is not in the program`);
  const found: string[] = [];
  const at = (n: ts.Node, what: string) => found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1} ${what}`);
  const visit = (n: ts.Node): void => {
    const name = ts.isPropertyAccessExpression(n) ? n.name : ts.isBindingElement(n) ? (n.propertyName ?? n.name) : undefined;
    if (name && ts.isIdentifier(name) && SUSPECT_NAMES.has(name.text)) {
      if (OLD_NAMES.has(name.text) || isLedger(checker.getTypeAtLocation(n))) at(n, name.text);
      else if (ts.isPropertyAccessExpression(n) && isLedger(checker.getTypeAtLocation(n.expression))) at(n, `ledger.${name.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('modules never read the ledger', function () {
  this.timeout(120_000);

  it('no ledger is reached or asked outside the probes, and no ledger/controllerLedger', () => {
    const files = tsFiles('modules').map((f) => relative(ROOT, join(ROOT, f)));
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
    const program = ts.createProgram(files.map((f) => join(ROOT, f)), config!.options);
    const checker = program.getTypeChecker();
    expect(files.filter((f) => !allowed(f)).flatMap((f) => ledgerReads(program, checker, f))).to.deep.equal([]);
    // the check sees the ledger where it is read (so a renamed type cannot slip past it)
    expect(files.filter((f) => f.startsWith('modules/facts/')).flatMap((f) => ledgerReads(program, checker, f)).length).to.be.greaterThan(5);
  });

  it('the read context hands modules no ledger', () => {
    const ctx = localReadContext();
    expect(ctx).not.to.have.property('ledger');
    expect(ctx).not.to.have.property('controllerLedger');
    // and by type: these lines fail to compile (npm run typecheck) if they come back
    // @ts-expect-error ReadContext has no ledger
    expect((ctx satisfies ReadContext).ledger).to.equal(undefined);
    // @ts-expect-error ReadContext has no controllerLedger
    expect((ctx satisfies ReadContext).controllerLedger).to.equal(undefined);
  });
});
