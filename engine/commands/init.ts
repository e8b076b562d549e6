/**
 * `kplay init DIR`: a copy of the sample cluster inventory to edit, Kubespray's
 * `cp -r inventory/sample inventory/mycluster`. Never overwrites: an existing DIR is refused.
 */
import { cpSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KplayError } from '../errors.ts';
import { SAMPLE_INVENTORY } from '../package-root.ts';
import { parse } from './args.ts';

export const INIT_HELP = `usage: kplay init DIR [--from sample|ha]

Writes a copy of kplay's sample cluster inventory (inventory/sample: 1 control plane, 2 nodes;
--from ha: 3 control planes with etcd, a VIP on an lb pair, 2 nodes) to DIR, which must not exist.
Then edit DIR/inventory.ini and DIR/group_vars, and plan the cluster:
  kplay run site.yml -i DIR --check --diff`;

export async function initCommand(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { flags, positionals } = parse(argv, { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help) {
    out.write(`${INIT_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new KplayError('KPLAY_OPTIONS', 'kplay init needs one directory', { hint: 'kplay init inventory/mycluster' });
  const from = typeof flags.from === 'string' ? flags.from : 'sample';
  if (from !== 'sample' && from !== 'ha') throw new KplayError('KPLAY_OPTIONS', `--from must be sample or ha, not ${from}`);
  const dest = resolve(positionals[0]!);
  if (existsSync(dest)) throw new KplayError('KPLAY_OPTIONS', `${dest} exists: kplay init never overwrites`, { hint: 'choose a new directory' });
  cpSync(resolve(SAMPLE_INVENTORY, '..', from), dest, { recursive: true, errorOnExist: true, force: false });
  out.write(`wrote ${dest} (a copy of kplay's inventory/${from}); edit inventory.ini and group_vars/, then:\n  kplay run site.yml -i ${positionals[0]} --check --diff\n`);
  return 0;
}
