/** The lookup plugins kplay has (env, file, template, pipe, items, list, indexed_items, dict). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { KplayError } from '../../errors.ts';
import { isPlainObject, toBool } from '../values.ts';
import { text } from './inputs.ts';
import { flatten } from './lists.ts';
import type { EvalEnv, Kw } from './types.ts';

/** The results of `lookup(name, …terms)` as a list; lookup() itself decides how to return them. */
export function lookupPlugin(name: string, terms: unknown[], kw: Kw, env: EvalEnv): unknown[] {
  const plugin = name.replace(/^(ansible\.builtin|ansible\.legacy)\./, '');
  const flat = terms.flatMap((t) => (Array.isArray(t) ? t : [t]));
  switch (plugin) {
    case 'env':
      return flat.map((t) => process.env[text(t)] ?? (kw['default'] !== undefined ? kw['default'] : ''));
    case 'file':
      return flat.map((t) => {
        const p = isAbsolute(text(t)) ? text(t) : resolve(env.baseDir ?? process.cwd(), text(t));
        try {
          const content = readFileSync(p, 'utf8');
          return toBool(kw['rstrip'] ?? true) ? content.replace(/\s+$/, '') : content;
        } catch {
          throw new KplayError('KPLAY_FILE_NOT_FOUND', `lookup('file'): cannot read ${p}`);
        }
      });
    case 'template':
      return flat.map((t) => {
        if (!env.renderTemplate) throw new TypeError("lookup('template') is not available here");
        return env.renderTemplate(text(t));
      });
    case 'pipe':
      // as Ansible's pipe lookup: a command on the controller, its stdout without the final newline
      return flat.map((t) => execFileSync('/bin/sh', ['-c', text(t)], { encoding: 'utf8', cwd: env.baseDir }).replace(/\n$/, ''));
    case 'items':
    case 'flattened':
      return flatten(flat, undefined, false);
    case 'list':
      return terms;
    case 'indexed_items':
      return flat.map((x, i) => [i, x]);
    case 'dict': {
      const d = terms[0];
      if (!isPlainObject(d)) throw new TypeError("lookup('dict') needs a dict");
      return Object.entries(d).map(([key, value]) => ({ key, value }));
    }
    case 'sequence':
      throw new TypeError("lookup('sequence') is not supported: use range(start, end + 1)");
    default:
      throw new TypeError(`unknown lookup plugin '${name}' (kplay has env, file, template, pipe, items, list, indexed_items, dict)`);
  }
}
