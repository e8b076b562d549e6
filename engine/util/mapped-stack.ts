/**
 * An internal error's stack as the sources have it: positions in kplay's bundles (dist/*.cjs, one
 * long line each) are mapped back to the TypeScript files through the source map that
 * scripts/build.mjs writes beside each bundle. The map (~3 MB) is read only when such a stack is
 * printed: a run that has no internal error pays nothing (Node's --enable-source-maps would parse
 * it on every start).
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';

/** `    at fn (/x/dist/kplay.cjs:1:2345)` or `    at /x/dist/kplay.cjs:1:2345` */
const BUNDLE_FRAME = /^(\s*at (?:.*? \()?)((?:\/[^():]*)?\/[^/():]+\.cjs):(\d+):(\d+)(\)?)$/;

export function mappedStack(e: Error): string {
  const stack = e.stack ?? e.message;
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  const mapOf = (bundle: string) => {
    if (!maps.has(bundle)) maps.set(bundle, loadMap(bundle));
    return maps.get(bundle);
  };
  return stack
    .split('\n')
    .map((line) => {
      const m = BUNDLE_FRAME.exec(line);
      if (!m) return line;
      const [, head, bundle, l, c, tail] = m as unknown as [string, string, string, string, string, string];
      const found = mapOf(bundle);
      const entry = found?.map.findEntry(Number(l) - 1, Number(c) - 1);
      if (!found || !entry || !('originalSource' in entry) || !entry.originalSource) return line;
      return `${head}${resolve(found.dir, entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}${tail}`;
    })
    .join('\n');
}

function loadMap(bundle: string): { map: SourceMap; dir: string } | undefined {
  const file = `${bundle}.map`;
  if (!existsSync(file)) return undefined;
  try {
    return { map: new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]), dir: dirname(file) };
  } catch {
    return undefined;
  }
}
