/** `kplay doc MODULE` / `kplay doc --list`: module documentation generated from each module's schema. */
import { KplayError, didYouMean } from '../errors.ts';
import { modules, canonicalModuleName } from '../../modules/index.ts';
import { renderModuleDoc, listModules } from '../doc/index.ts';
import { parse } from './args.ts';

export async function docCommand(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { flags, positionals } = parse(argv, { list: { type: 'boolean', short: 'l' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help || (positionals.length === 0 && !flags.list)) {
    out.write('usage: kplay doc MODULE | kplay doc --list\n');
    return flags.help ? 0 : 5;
  }
  if (flags.list) {
    out.write(`${listModules(modules)}\n`);
    return 0;
  }
  for (const name of positionals) {
    const m = modules[canonicalModuleName(name)];
    if (!m) {
      const guess = didYouMean(name, Object.keys(modules));
      throw new KplayError('KPLAY_OPTIONS', `unknown module '${name}'`, guess ? { hint: `did you mean '${guess}'?` } : {});
    }
    out.write(`${renderModuleDoc(m)}\n`);
  }
  return 0;
}
