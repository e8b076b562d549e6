/**
 * The command line. The only place that exits the process; every error is printed here, located
 * errors as `file:line:col: message` with the source line and a caret.
 */
import { escapeControl } from './report/escape.ts';
import { maskByKind } from './report/redact.ts';
import { readFileSync } from 'node:fs';
import { KplayError, KplayErrors, formatError, formatErrors, isValidationCode } from './errors.ts';
import { runCommand, type RunIo } from './commands/run.ts';
import { promptSecret, readSecretLine } from './commands/prompt.ts';
import { inventoryCommand } from './commands/inventory.ts';
import { docCommand } from './commands/doc.ts';
import { initCommand } from './commands/init.ts';
import { labCommand } from './lab/index.ts';
import { keepFootprintSmall } from './util/v8-footprint.ts';
import { mappedStack } from './util/mapped-stack.ts';

const HELP = `kplay — agentless, declarative playbooks over SSH, with check mode and diffs

usage:
  kplay run PLAYBOOK... [-i INVENTORY]... [-e VARS]... [-l LIMIT] [-t TAGS] [-C] [-D] [--json] …
  kplay init DIR [--from sample|ha]               (a cluster inventory to edit, from inventory/sample)
  kplay inventory -i INVENTORY --list | --graph | --host HOST
  kplay doc MODULE | --list
  kplay lab up N | down | status | inventory      (real test hosts: systemd-nspawn, needs root)
  kplay --version | --help

'kplay run --help' lists every run option.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Where a command writes, asks and is interrupted: this process's terminal, or a test's buffers. */
export type Io = RunIo;

function processIo(): Io {
  return {
    out: process.stdout,
    err: process.stderr,
    ...(process.stdin.isTTY ? { askSecret: promptSecret } : { readPipedSecret: (q: string) => readSecretLine(q) }),
    onInterrupt: (fn) => {
      process.once('SIGINT', fn);
      return () => process.removeListener('SIGINT', fn);
    },
  };
}

/** Exit codes as ansible-playbook: 4 parse/validation, 5 bad options, 250 internal. */
export async function dispatch(argv: string[], io: Io = processIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await runCommand(rest, io);
      case 'inventory':
        return await inventoryCommand(rest, io.out);
      case 'init':
        return await initCommand(rest, io.out);
      case 'doc':
        return await docCommand(rest, io.out);
      case 'lab':
        return await labCommand(rest);
      case '--version':
      case '-V':
      case 'version':
        io.out.write(`kplay ${version()}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out.write(`${HELP}\n`);
        return cmd === undefined ? 5 : 0;
      default:
        io.err.write(`error: unknown command '${cmd}'\n\n${HELP}\n`);
        return 5;
    }
  } catch (e) {
    return report(e, io.err);
  }
}

function report(e: unknown, stream: NodeJS.WritableStream): number {
  // an error can quote host text or a key: control characters escaped, keys masked (docs/output.md)
  const err = { write: (s: string) => stream.write(escapeControl(maskByKind(s))) };
  if (e instanceof KplayErrors) {
    for (const one of formatErrors(e.errors)) err.write(`${one}\n`);
    err.write(`\n${e.errors.length} error${e.errors.length === 1 ? '' : 's'}; nothing was run.\n`);
    return 4;
  }
  if (e instanceof KplayError) {
    err.write(`${formatError(e)}\n`);
    if (e.code === 'KPLAY_OPTIONS') return 5;
    return isValidationCode(e.code) ? 4 : 1;
  }
  // from the bundle, its positions mapped to the sources (util/mapped-stack.ts)
  err.write(`internal error: ${e instanceof Error ? mappedStack(e) : String(e)}\n`);
  return 250;
}

export async function main(argv: string[]): Promise<void> {
  keepFootprintSmall();
  const code = await dispatch(argv);
  // let stdout drain before exiting (large --json output through a pipe)
  process.stdout.write('', () => process.exit(code));
}
