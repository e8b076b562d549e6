/** `kplay inventory -i INV --list | --graph [GROUP] | --host HOST` (like ansible-inventory). */
import { resolve } from 'node:path';
import { KplayError } from '../errors.ts';
import { Inventory } from '../inventory/index.ts';
import { parse, strings } from './args.ts';

export async function inventoryCommand(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { flags, positionals } = parse(argv, {
    inventory: { type: 'string', short: 'i', multiple: true },
    list: { type: 'boolean' },
    graph: { type: 'boolean' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    out.write('usage: kplay inventory -i INVENTORY (--list | --graph [GROUP] | --host HOST)\n');
    return 0;
  }
  const sources = strings(flags.inventory).map((p) => (p.includes(',') ? p : resolve(p)));
  if (sources.length === 0) throw new KplayError('KPLAY_OPTIONS', 'kplay inventory needs -i INVENTORY');
  const inv = Inventory.load(sources, {});
  if (typeof flags.host === 'string') out.write(`${JSON.stringify(inv.hostJson(flags.host), null, 2)}\n`);
  else if (flags.graph) out.write(`${inv.toGraph(positionals[0])}\n`);
  else if (flags.list) out.write(`${JSON.stringify(inv.toList(), null, 2)}\n`);
  else throw new KplayError('KPLAY_OPTIONS', 'kplay inventory needs one of --list, --graph, --host HOST');
  return 0;
}
