/**
 * The layering rules of docs/architecture.md ("Layers"), checked over the import graph of every
 * .ts file under engine/ and modules/: each file belongs to one layer, each layer names the files it
 * may import, and no two files import each other at run time, directly or through others.
 *
 * Imports are read with the TypeScript compiler's parser: static imports and re-exports, and
 * dynamic import('…') calls. `import type` / `export type` (and an import whose every name is
 * marked `type`) is erased when compiled: it counts for the layers, not for cycles.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { ROOT, tsFiles } from '../../support/source-tree.ts';


/** A path pattern: `dir/**` (everything under dir) or an exact file. */
type Pattern = string;

function matches(file: string, p: Pattern): boolean {
  return p.endsWith('/**') ? file.startsWith(p.slice(0, -2)) : file === p;
}

interface Layer {
  name: string;
  files: Pattern[];
  /** What files of this layer may import (their own layer always). */
  may: Pattern[];
}

const FOUNDATION: Pattern[] = ['engine/errors.ts', 'engine/util/**', 'engine/package-root.ts'];
/** What a module may see of the transport: the interface and shell quoting, never an implementation. */
const TRANSPORT_API: Pattern[] = ['engine/transport/transport.ts', 'engine/transport/quote.ts'];
const MODULE_API: Pattern[] = ['modules/api.ts', 'modules/index.ts'];

/** First match wins: keep specific files before their directory. Must agree with docs/architecture.md. */
export const LAYERS: Layer[] = [
  { name: 'foundation', files: FOUNDATION, may: [] },
  { name: 'transport', files: ['engine/transport/**'], may: [...FOUNDATION, 'engine/config.ts', 'engine/playbook/model.ts'] },
  { name: 'template', files: ['engine/template/**'], may: [...FOUNDATION, 'engine/transport/quote.ts'] },
  { name: 'model', files: ['engine/playbook/**'], may: [...FOUNDATION, 'engine/template/**'] },
  { name: 'schema', files: ['engine/schema/**'], may: [...FOUNDATION] },
  {
    name: 'modules',
    files: ['modules/**'],
    may: [
      ...FOUNDATION,
      ...TRANSPORT_API,
      // setup gathers the same facts as the executor's fact gathering: the script and its parsers
      'engine/vars/facts.ts',
      // include_vars reads a vars file exactly as the loader does (positions, errors)
      'engine/load/vars-file.ts',
    ],
  },
  { name: 'vars', files: ['engine/vars/**'], may: [...FOUNDATION, 'engine/playbook/**', 'engine/template/**'] },
  {
    name: 'load',
    files: ['engine/load/**'],
    may: [...FOUNDATION, 'engine/playbook/**', 'engine/template/**', 'engine/schema/**', ...MODULE_API],
  },
  { name: 'config', files: ['engine/config.ts'], may: [...FOUNDATION, 'engine/load/yaml.ts'] },
  { name: 'inventory', files: ['engine/inventory/**'], may: [...FOUNDATION, 'engine/playbook/**', 'engine/load/yaml.ts', 'engine/load/yaml-positions.ts'] },
  { name: 'report', files: ['engine/report/**'], may: [...FOUNDATION, 'modules/api.ts'] },
  {
    name: 'executor',
    files: ['engine/executor/**'],
    may: [
      ...FOUNDATION,
      'engine/playbook/**',
      'engine/template/**',
      'engine/vars/**',
      'engine/load/**',
      'engine/schema/**',
      'engine/report/**',
      ...TRANSPORT_API,
      // the controller's own transport, for delegate_to: localhost
      'engine/transport/local.ts',
      ...MODULE_API,
    ],
  },
  { name: 'doc', files: ['engine/doc/**'], may: [...FOUNDATION, ...MODULE_API, 'engine/schema/**'] },
  { name: 'lab', files: ['engine/lab/**'], may: [...FOUNDATION] },
  {
    name: 'commands',
    files: ['engine/commands/**'],
    may: [
      ...FOUNDATION,
      'engine/config.ts',
      'engine/playbook/**',
      'engine/load/**',
      'engine/inventory/**',
      'engine/vars/**',
      'engine/template/**',
      'engine/executor/**',
      'engine/report/**',
      'engine/transport/**',
      'engine/doc/**',
      'engine/lab/**',
      ...MODULE_API,
    ],
  },
  { name: 'cli', files: ['engine/cli.ts'], may: ['engine/**'] },
];

/**
 * Known breaks of the rules, each with why it stays for now. An exception that no longer occurs
 * fails the test, so the list only shrinks.
 */
export const EXCEPTIONS: { from: string; to: string; why: string }[] = [
  {
    from: 'engine/load/roles.ts',
    to: 'engine/load/tasks.ts',
    why: 'cycle: a role loads its task files, and a task file applies roles (import_role) — mutual recursion of the loader',
  },
];

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const ex = node.exportClause;
    return !!ex && ts.isNamedExports(ex) && ex.elements.length > 0 && ex.elements.every((e) => e.isTypeOnly);
  }
  const clause = node.importClause;
  if (!clause) return false; // import './x.ts' runs x
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const nb = clause.namedBindings;
  return !!nb && ts.isNamedImports(nb) && nb.elements.length > 0 && nb.elements.every((e) => e.isTypeOnly);
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return; // node: and packages
    const to = relative(ROOT, normalize(join(ROOT, dirname(file), spec))).split('\\').join('/');
    edges.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnly(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = node.arguments[0];
      if (a && ts.isStringLiteralLike(a)) add(a.text, false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(arg.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

function layerOf(file: string): Layer | undefined {
  return LAYERS.find((l) => l.files.some((p) => matches(file, p)));
}

const isException = (e: { from: string; to: string }) => EXCEPTIONS.some((x) => x.from === e.from && x.to === e.to);

/** Strongly connected components of more than one file (Tarjan). */
function cycles(files: string[], edges: Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!next.has(w)) continue;
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const f of files) if (!index.has(f)) strong(f);
  return out;
}

describe('architecture: the layering rules (docs/architecture.md)', () => {
  const files = [...tsFiles('engine'), ...tsFiles('modules')].sort();
  const edges = files.flatMap(importsOf);

  it('reads the imports (sanity: the parser sees known edges)', () => {
    expect(files.length).to.be.greaterThan(100);
    expect(edges).to.deep.include({ from: 'engine/executor/run-module.ts', to: 'engine/executor/apply.ts', typeOnly: false });
    expect(edges).to.deep.include({ from: 'modules/api.ts', to: 'engine/transport/transport.ts', typeOnly: true });
  });

  it('every file under engine/ and modules/ belongs to a layer', () => {
    expect(files.filter((f) => !layerOf(f))).to.deep.equal([]);
  });

  it('every import resolves to a file of the tree', () => {
    const known = new Set(files);
    expect(edges.filter((e) => !known.has(e.to)).map((e) => `${e.from} -> ${e.to}`)).to.deep.equal([]);
  });

  it('no file imports what its layer may not (modules never the executor, reporters never the executor, …)', () => {
    const bad: string[] = [];
    for (const e of edges) {
      const from = layerOf(e.from)!;
      const to = layerOf(e.to);
      if (to === from) continue;
      if (from.may.some((p) => matches(e.to, p))) continue;
      if (isException(e)) continue;
      bad.push(`${e.from} (${from.name}) -> ${e.to} (${to?.name ?? '?'})`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('no import cycle between files (imports that run; `import type` may point back)', () => {
    const runtime = edges.filter((e) => !e.typeOnly && !isException(e));
    expect(cycles(files, runtime).map((c) => c.join(' <-> '))).to.deep.equal([]);
  });

  it('every listed exception still occurs (fixed ones are removed from the list)', () => {
    const stale = EXCEPTIONS.filter((x) => !edges.some((e) => e.from === x.from && e.to === x.to));
    expect(stale).to.deep.equal([]);
  });

  it('the checker catches a forbidden edge and a cycle', () => {
    const modulesLayer = layerOf('modules/cluster/download/download.ts')!;
    expect(modulesLayer.may.some((p) => matches('engine/executor/apply.ts', p))).to.equal(false);
    const reportLayer = layerOf('engine/report/console.ts')!;
    expect(reportLayer.may.some((p) => matches('engine/executor/run-module.ts', p))).to.equal(false);
    const fake: Edge[] = [
      { from: 'engine/transport/jump.ts', to: 'engine/transport/ssh.ts', typeOnly: false },
      { from: 'engine/transport/ssh.ts', to: 'engine/transport/jump.ts', typeOnly: false },
    ];
    expect(cycles(['engine/transport/jump.ts', 'engine/transport/ssh.ts'], fake)).to.have.length(1);
  });
});
