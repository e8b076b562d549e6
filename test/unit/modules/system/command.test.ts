import { expect } from 'chai';
import { command } from '../../../../modules/system/command.ts';
import { shell } from '../../../../modules/system/shell.ts';
import { commandResult, delta } from '../../../../modules/system/common/run-command.ts';

describe('command/shell: plan', () => {
  const s = { start: 0 };
  it('check mode is skipped unless creates/removes decide', () => {
    const cm = command.checkMode as (a: object) => string;
    expect(cm({ cmd: 'ls' })).to.equal('skip');
    expect(cm({ cmd: 'ls', creates: '/x' })).to.equal('plan');
    expect((shell.checkMode as (a: object) => string)({ cmd: 'ls', removes: '/x' })).to.equal('plan');
  });
  it('creates that exists skips; removes that is missing skips', () => {
    expect(command.plan({ ...s, createsExists: true }, { cmd: 'make', creates: '/x' }, { host: 'h', check: false, diff: false }).skipped).to.match(/exists/);
    expect(command.plan({ ...s, removesExists: false }, { cmd: 'make', removes: '/x' }, { host: 'h', check: false, diff: false }).skipped).to.match(/does not exist/);
  });
  it('command splits words and runs without a shell, isolated; shell passes the script, isolated', () => {
    const p = command.plan(s, { cmd: `echo 'a b' $HOME`, chdir: '/tmp', stdin: 'x' }, { host: 'h', check: false, diff: false });
    expect(p.changes[0]!.ops[0]).to.deep.equal({ kind: 'exec', cmd: ['echo', 'a b', '$HOME'], okCodes: 'any', isolate: true, cwd: '/tmp', stdin: 'x\n' });
    const q = shell.plan(s, { cmd: 'echo $HOME | wc', executable: '/bin/bash' }, { host: 'h', check: false, diff: false });
    expect(q.changes[0]!.ops[0]).to.deep.include({ cmd: ['/bin/bash', '-c', 'echo $HOME | wc'], isolate: true });
  });
  it('result: rc, lines, failed on non-zero', () => {
    const op = { kind: 'exec' as const, cmd: 'x' };
    const r = commandResult([{ op, exec: { rc: 2, stdout: 'a\nb\n', stderr: 'oops\n' } }], { start: Date.now() }, 'x');
    expect(r).to.deep.include({ rc: 2, stdout: 'a\nb', stdout_lines: ['a', 'b'], stderr_lines: ['oops'], failed: true, msg: 'non-zero return code' });
    expect(commandResult([{ op, exec: { rc: 0, stdout: '', stderr: '' } }], { start: Date.now() }, 'x')).to.deep.include({ stdout_lines: [] }).and.not.have.property('failed');
    expect(delta(61_500)).to.equal('0:01:01.500000');
  });
  it('validate: cmd or argv', () => {
    expect(command.validate!({})[0]!.key).to.equal('cmd');
    expect(command.validate!({ cmd: 'a', argv: ['a'] })[0]!.key).to.equal('argv');
    expect(command.validate!({ cmd: "a 'b" })[0]!.message).to.match(/unterminated/);
  });
});
