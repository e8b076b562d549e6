/** command: run a program with arguments, without a shell. */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { commandResult, planCommand, readGuards, type CommandState } from './common/run-command.ts';
import { shlexWords as shlexSplit } from '../../engine/util/shlex.ts';

const schema = Type.Object(
  {
    cmd: Type.Optional(Type.String({ description: 'The command line (free form: `command: ls -l /`). Split into words like a shell would, but no shell runs it: no pipes, redirections or variables.' })),
    argv: Type.Optional(Type.Array(Type.String(), { description: 'The command as a list of words, instead of cmd: no splitting, no quoting to worry about.', minItems: 1 })),
    chdir: Type.Optional(Type.String({ description: 'Change into this directory first.' })),
    creates: Type.Optional(Type.String({ description: 'Skip when this path exists (relative paths start at chdir). Check mode then knows what would happen.' })),
    removes: Type.Optional(Type.String({ description: 'Run only when this path exists.' })),
    stdin: Type.Optional(Type.String({ description: 'Sent to the command\'s standard input.' })),
    stdin_add_newline: Type.Optional(Type.Boolean({ description: 'Append a newline to stdin.', default: true })),
    timeout: Type.Optional(Type.Number({ description: 'Kill the command after this many seconds.', exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export type CommandArgs = Static<typeof schema>;

export function commandArgv(a: CommandArgs): string[] {
  return a.argv ?? shlexSplit(a.cmd ?? '');
}

export const command = defineModule({
  name: 'command',
  schema,
  freeForm: 'cmd',
  doc: {
    short: 'Run a command on the host (no shell)',
    description:
      'Runs a program. Always reports changed when it runs (use changed_when). A non-zero exit fails the task, but rc, stdout and stderr are still registered. In check mode the task is skipped, unless creates or removes decide it.',
    examples: `- command: kubectl get nodes
  register: nodes
  changed_when: false
- command: { argv: [etcdctl, member, list], creates: /var/lib/etcd/member }`,
    notes: ['creates/removes paths are not glob-expanded.', 'Registered: rc, stdout, stderr, stdout_lines, stderr_lines, cmd, start, end, delta.'],
  },
  checkMode: (a) => (a.creates !== undefined || a.removes !== undefined ? 'plan' : 'skip'),
  validate(a) {
    const errs: { key?: string; message: string }[] = [];
    if (a.cmd === undefined && a.argv === undefined) errs.push({ key: 'cmd', message: 'give cmd (free form) or argv' });
    if (a.cmd !== undefined && a.argv !== undefined) errs.push({ key: 'argv', message: 'give only one of cmd and argv' });
    if (a.cmd !== undefined) {
      try {
        if (shlexSplit(a.cmd).length === 0) errs.push({ key: 'cmd', message: 'cmd is empty' });
      } catch (e) {
        errs.push({ key: 'cmd', message: `cmd: ${(e as Error).message}` });
      }
    }
    return errs;
  },
  read: (ctx, a): Promise<CommandState> => readGuards(ctx, a),
  plan(s, a) {
    const argv = commandArgv(a);
    return planCommand(s, a, a.cmd ?? argv.join(' '), {
      kind: 'exec',
      cmd: argv,
      okCodes: 'any',
      isolate: true,
      ...(a.chdir ? { cwd: a.chdir } : {}),
      ...(a.stdin !== undefined ? { stdin: a.stdin_add_newline === false ? a.stdin : `${a.stdin}\n` } : {}),
      ...(a.timeout ? { timeoutMs: a.timeout * 1000 } : {}),
    });
  },
  result: (applied, s, a) => commandResult(applied, s, a.cmd ?? commandArgv(a)),
});
