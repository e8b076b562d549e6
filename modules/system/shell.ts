/** shell: run a script with /bin/sh (or another shell). */
import { Type, type Static } from '@sinclair/typebox';
import { defineModule } from '../api.ts';
import { commandResult, planCommand, readGuards, type CommandState } from './common/run-command.ts';

const schema = Type.Object(
  {
    cmd: Type.String({ description: 'The script (free form: `shell: cat /proc/cpuinfo | grep -c processor`). Pipes, redirections and variables work.' }),
    executable: Type.Optional(Type.String({ description: 'The shell that runs cmd (as `EXECUTABLE -c CMD`); default /bin/sh.' })),
    chdir: Type.Optional(Type.String({ description: 'Change into this directory first.' })),
    creates: Type.Optional(Type.String({ description: 'Skip when this path exists (relative paths start at chdir). Check mode then knows what would happen.' })),
    removes: Type.Optional(Type.String({ description: 'Run only when this path exists.' })),
    stdin: Type.Optional(Type.String({ description: "Sent to the script's standard input." })),
    stdin_add_newline: Type.Optional(Type.Boolean({ description: 'Append a newline to stdin.', default: true })),
    timeout: Type.Optional(Type.Number({ description: 'Kill the script after this many seconds.', exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export type ShellArgs = Static<typeof schema>;

export const shell = defineModule({
  name: 'shell',
  schema,
  freeForm: 'cmd',
  doc: {
    short: 'Run a shell script on the host',
    description:
      'Runs cmd with /bin/sh -c (or executable -c). Always reports changed when it runs (use changed_when). A non-zero exit fails the task, but rc, stdout and stderr are still registered. In check mode the task is skipped, unless creates or removes decide it.',
    examples: `- shell: set -o pipefail; etcdctl endpoint health 2>&1 | grep -q healthy
  args: { executable: /bin/bash }
  changed_when: false`,
    notes: ['Values you template into cmd are not quoted for you: prefer command with argv for untrusted values.', 'creates/removes paths are not glob-expanded.'],
  },
  checkMode: (a) => (a.creates !== undefined || a.removes !== undefined ? 'plan' : 'skip'),
  read: (ctx, a): Promise<CommandState> => readGuards(ctx, a),
  plan: (s, a) =>
    planCommand(s, a, a.cmd, {
      kind: 'exec',
      cmd: a.executable ? [a.executable, '-c', a.cmd] : a.cmd,
      okCodes: 'any',
      isolate: true,
      ...(a.chdir ? { cwd: a.chdir } : {}),
      ...(a.stdin !== undefined ? { stdin: a.stdin_add_newline === false ? a.stdin : `${a.stdin}\n` } : {}),
      ...(a.timeout ? { timeoutMs: a.timeout * 1000 } : {}),
    }),
  result: (applied, s, a) => commandResult(applied, s, a.cmd),
});
