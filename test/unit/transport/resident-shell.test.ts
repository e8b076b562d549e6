import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { ResidentShell, type ShellPipes } from '../../../engine/transport/resident-shell.ts';
import { MarkerScan } from '../../../engine/transport/marker-scan.ts';

/** A local /bin/sh behind the same pipes an SSH channel gives. */
function localPipes(cmd = '/bin/sh'): ShellPipes & { pid: number } {
  const child = spawn('/bin/sh', ['-c', cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  return {
    pid: child.pid!,
    write: (d) => void child.stdin.write(d),
    onStdout: (cb) => void child.stdout.on('data', cb),
    onStderr: (cb) => void child.stderr.on('data', cb),
    onClose: (cb) => void child.on('close', cb),
    kill: () => void child.kill('SIGKILL'),
  };
}

const run = (sh: ResidentShell, script: string, extra: { timeoutMs?: number; maxOutput?: number } = {}) =>
  sh.run({ script, maxOutput: extra.maxOutput ?? 1 << 20, ...(extra.timeoutMs !== undefined ? { timeoutMs: extra.timeoutMs } : {}) });

describe('transport/resident-shell', () => {
  let shell: ResidentShell;
  beforeEach(async () => {
    shell = (await ResidentShell.start(localPipes(), { timeoutMs: 5000 }))!;
    expect(shell).to.not.equal(undefined);
  });
  afterEach(() => shell.close());

  it('runs commands one after the other with their own stdout, stderr and exit code', async () => {
    const a = await run(shell, 'echo out; echo err >&2; exit 3');
    expect(a).to.deep.include({ rc: 3 });
    expect(a.stdout.toString()).to.equal('out\n');
    expect(a.stderr.toString()).to.equal('err\n');
    const b = await run(shell, 'printf "no newline"');
    expect(b.rc).to.equal(0);
    expect(b.stdout.toString()).to.equal('no newline');
    expect(b.stderr.toString()).to.equal('');
  });

  it('keeps the shell unchanged by a command: cd, variables, exit, exec, set -e, syntax errors', async () => {
    await run(shell, 'cd /tmp; X=1; set -e; exec true');
    const after = (await run(shell, 'pwd; echo "${X-unset}"')).stdout.toString();
    expect(after).to.equal(`${process.cwd()}\nunset\n`);
    const bad = await run(shell, 'if then fi; echo never');
    expect(bad.rc).to.not.equal(0);
    expect((await run(shell, 'echo still here')).stdout.toString()).to.equal('still here\n');
  });

  it('gives a command /dev/null as stdin, so it cannot swallow the commands that follow', async () => {
    const r = await run(shell, 'cat; echo after');
    expect(r.stdout.toString()).to.equal('after\n');
    expect((await run(shell, 'echo next')).stdout.toString()).to.equal('next\n');
  });

  it('passes binary output and quotes of every kind through unchanged', async () => {
    const r = await run(shell, `printf '\\000\\377'; printf '%s' "it's \\"q\\" \\$HOME"`);
    expect([...r.stdout.subarray(0, 2)]).to.deep.equal([0, 255]);
    expect(r.stdout.subarray(2).toString()).to.equal(`it's "q" $HOME`);
  });

  it('a fake marker in the output does not end the command early', async () => {
    const r = await run(shell, `printf '\\nKPLAY-000000000000000000000000:0\\n'; echo real`);
    expect(r.stdout.toString()).to.equal('\nKPLAY-000000000000000000000000:0\nreal\n');
  });

  it('caps output and says so', async () => {
    const r = await run(shell, 'head -c 100000 /dev/zero', { maxOutput: 1000 });
    expect(r.stdout.length).to.equal(1000);
    expect(r.truncated).to.equal(true);
    expect(r.rc).to.equal(0);
  });

  it('a command that outlives its timeout takes the shell with it', async () => {
    const r = await run(shell, 'sleep 5', { timeoutMs: 200 });
    expect(r).to.deep.include({ rc: null, timedOut: true });
    expect(shell.alive).to.equal(false);
  });

  it('a shell that ends during a command reports the command as ended, not as an exit code', async () => {
    const r = await run(shell, 'kill -9 $$; sleep 0.2');
    expect(r).to.deep.include({ rc: null, ended: true });
    expect(shell.alive).to.equal(false);
  });

  it('refuses a second command while one runs (the transport uses a channel then)', async () => {
    const first = run(shell, 'sleep 0.2; echo one');
    expect(shell.idle).to.equal(false);
    await run(shell, 'true').then(() => expect.fail('ran'), (e: Error) => expect(e.message).to.match(/busy/));
    expect((await first).stdout.toString()).to.equal('one\n');
    expect(shell.idle).to.equal(true);
  });

  it('start gives undefined when the shell does not come up', async () => {
    expect(await ResidentShell.start(localPipes('echo "sudo: a password is required" >&2; exit 1'), { timeoutMs: 5000 })).to.equal(undefined);
  });
});

describe('transport/marker-scan', () => {
  it('finds a marker split across chunks, byte by byte', () => {
    const s = new MarkerScan('N0NCE', true, 100);
    const stream = Buffer.from('hello\nN0NCEx\nN0NCE:17\ntrailing');
    let done = false;
    for (const byte of stream) done = s.push(Buffer.from([byte])) || done;
    expect(done).to.equal(true);
    expect(s.rc).to.equal(17);
    expect(s.output().toString()).to.equal('hello\nN0NCEx');
  });

  it('output of exactly the cap is whole, not truncated', () => {
    const s = new MarkerScan('N0NCE', true, 5);
    s.push(Buffer.from('hello'));
    s.push(Buffer.from('\nN0NCE:0\n'));
    expect(s.output().toString()).to.equal('hello');
    expect(s.truncated).to.equal(false);
  });
});
