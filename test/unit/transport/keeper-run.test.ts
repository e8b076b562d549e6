/**
 * `kplay run` executed by the connection keeper (keeper/run-host.ts) for a small client
 * (keeper/run-client.ts): what crosses the socket, with a runner that reports what it sees instead
 * of running playbooks. The keeper runs in this process, as the tests' own.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runKeeper } from '../../../engine/transport/keeper/server.ts';
import { runInKeeper, runsInKeeper } from '../../../engine/transport/keeper/run-client.ts';
import { tellActiveRun, type CliRunner, type HostedIo } from '../../../engine/transport/keeper/run-host.ts';
import { until } from '../../support/until.ts';

function capture(): PassThrough & { text: () => string } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return Object.assign(s, { text: () => text });
}


describe('a run executed by the connection keeper', function () {
  this.timeout(20_000);
  let work: string;
  let socketPath: string;
  let stop: AbortController;
  let keeper: Promise<number>;
  let runner: CliRunner;

  beforeEach(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), 'kplay-keeper-run-')));
    socketPath = join(work, 'keeper.sock');
    stop = new AbortController();
    keeper = runKeeper({ socketPath, sweepMs: 50, signal: stop.signal, runner: (argv, io) => runner(argv, io) });
    await until(() => existsSync(socketPath));
  });

  // a run the keeper never finished leaves this process in its directory, with its environment
  const home = process.cwd();
  const env = { ...process.env };
  afterEach(async () => {
    stop.abort();
    await keeper;
    process.chdir(home);
    for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
    Object.assign(process.env, env);
    rmSync(work, { recursive: true, force: true });
  });

  const noTty = { in: false, out: false, err: false };

  it("sees the CLI's arguments, directory, environment and umask, writes to its stdout and stderr, and ends with its exit code; the keeper's own are restored", async () => {
    const cwdBefore = process.cwd();
    const umaskBefore = process.umask();
    runner = async (argv, io) => {
      io.out.write(`argv=${argv.join(' ')} cwd=${process.cwd()} X=${process.env['KPLAY_TEST_X']} umask=${process.umask().toString(8)}\n`);
      io.err.write('to stderr\n');
      return 3;
    };
    const out = capture();
    const err = capture();
    const code = await runInKeeper(['site.yml', '-C'], { socketPath, out, err, env: { KPLAY_TEST_X: 'from the CLI' }, cwd: work, tty: noTty });
    expect(code).to.equal(3);
    expect(out.text()).to.equal(`argv=site.yml -C cwd=${work} X=from the CLI umask=${umaskBefore.toString(8)}\n`);
    expect(err.text()).to.equal('to stderr\n');
    expect(process.cwd()).to.equal(cwdBefore);
    expect(process.env['KPLAY_TEST_X']).to.equal(undefined);
    expect(process.env['PATH'], 'what the CLI did not send comes back').to.be.a('string');
    expect(process.umask()).to.equal(umaskBefore);
  });

  it("writes as to the CLI's terminal: its isTTY and width", async () => {
    runner = async (_argv, io) => {
      const o = io.out as { isTTY?: boolean; columns?: number };
      io.out.write(`${o.isTTY} ${o.columns}\n`);
      return 0;
    };
    const out = Object.assign(capture(), { columns: 123 });
    await runInKeeper([], { socketPath, out, err: capture(), cwd: work, tty: { in: false, out: true, err: false } });
    expect(out.text()).to.equal('true 123\n');
  });

  it("asks its questions on the CLI's terminal, and has none to ask when the CLI's stdin is no terminal", async () => {
    runner = async (_argv, io) => {
      if (!io.askSecret) {
        io.out.write('no terminal\n');
        return 0;
      }
      io.out.write(`got ${await io.askSecret('BECOME password: ')}\n`);
      try {
        await io.askSecret('again: ');
      } catch (e) {
        // a bad option (exit 5), as when the run's own process cannot ask
        io.out.write(`failed: ${(e as { code?: string }).code}: ${(e as Error).message}\n`);
      }
      return 0;
    };
    const asked: string[] = [];
    const ask = async (q: string) => {
      asked.push(q);
      if (asked.length > 1) throw new Error('again: needs a terminal');
      return 's3cret';
    };
    const out = capture();
    await runInKeeper([], { socketPath, out, err: capture(), cwd: work, tty: { in: true, out: false, err: false }, ask });
    expect(asked).to.deep.equal(['BECOME password: ', 'again: ']);
    expect(out.text()).to.equal('got s3cret\nfailed: KPLAY_OPTIONS: again: needs a terminal\n');

    const out2 = capture();
    await runInKeeper([], { socketPath, out: out2, err: capture(), cwd: work, tty: noTty, ask });
    expect(out2.text()).to.equal('no terminal\n');
  });

  it("stops on the CLI's Ctrl-C", async () => {
    runner = (_argv, io) =>
      new Promise<number>((resolve) => {
        io.onInterrupt(() => resolve(99));
        io.out.write('running\n');
      });
    let interrupt = () => {};
    const out = capture();
    const done = runInKeeper([], { socketPath, out, err: capture(), cwd: work, tty: noTty, onInterrupt: (fn) => ((interrupt = fn), () => {}) });
    await until(() => out.text() === 'running\n');
    interrupt();
    expect(await done).to.equal(99);
  });

  it('takes one run at a time: a second CLI is told to run it itself', async () => {
    let release = () => {};
    runner = (_argv, io) =>
      new Promise<number>((resolve) => {
        io.out.write('first\n');
        release = () => resolve(0);
      });
    const out = capture();
    const first = runInKeeper([], { socketPath, out, err: capture(), cwd: work, tty: noTty });
    await until(() => out.text() === 'first\n');
    expect(await runInKeeper([], { socketPath, out: capture(), err: capture(), cwd: work, tty: noTty })).to.equal(undefined);
    release();
    expect(await first).to.equal(0);
  });

  it('is not taken from a directory the keeper cannot enter', async () => {
    runner = async () => 0;
    expect(await runInKeeper([], { socketPath, out: capture(), err: capture(), cwd: join(work, 'gone'), tty: noTty })).to.equal(undefined);
  });

  it('says so when the keeper ends before the run did, with an exit code of its own', async () => {
    runner = (_argv, io) => new Promise<number>(() => io.out.write('started\n'));
    const out = capture();
    const err = capture();
    const done = runInKeeper([], { socketPath, out, err, cwd: work, tty: noTty });
    await until(() => out.text() === 'started\n');
    stop.abort();
    expect(await done).to.equal(250);
    expect(err.text()).to.match(/the connection keeper ended before the run did/);
  });

  it("tells the run's CLI why the keeper dies (tellActiveRun), and nobody when no run executes", async () => {
    let told: Promise<void> | undefined;
    runner = async (_argv, io) => {
      told = tellActiveRun('internal error in the connection keeper: boom\n');
      await told;
      io.out.write('done\n');
      return 0;
    };
    const err = capture();
    await runInKeeper([], { socketPath, out: capture(), err, cwd: work, tty: noTty });
    expect(err.text()).to.equal('internal error in the connection keeper: boom\n');
    await tellActiveRun('to nobody');
  });

  it('leaves the keeper when the run kept no connection', async () => {
    runner = async () => 0;
    await runInKeeper([], { socketPath, out: capture(), err: capture(), cwd: work, tty: noTty });
    expect(await keeper).to.equal(0);
    expect(existsSync(`${socketPath}.pid`)).to.equal(false);
  });

  it('the runner sees the pool as its kept connections', async () => {
    let seen: HostedIo['keep'] | undefined;
    runner = async (_argv, io) => {
      seen = io.keep;
      return 0;
    };
    await runInKeeper([], { socketPath, out: capture(), err: capture(), cwd: work, tty: noTty });
    expect(seen).to.be.a('function');
  });
});

describe('which command lines go to the keeper (runsInKeeper)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kplay-keeper-which-'));

  it('a run, unless persistence is off by the environment, or it connects to no host', () => {
    expect(runsInKeeper(['site.yml', '-i', 'hosts'], {}, cwd)).to.equal(true);
    expect(runsInKeeper(['site.yml'], { KPLAY_SSH_PERSIST: '30' }, cwd)).to.equal(true);
    for (const off of ['0', 'false', 'nonsense']) expect(runsInKeeper(['site.yml'], { KPLAY_SSH_PERSIST: off }, cwd), off).to.equal(false);
    for (const flag of ['--syntax-check', '--list-hosts', '--list-tasks', '--list-tags', '--help', '-h']) expect(runsInKeeper(['site.yml', flag], {}, cwd), flag).to.equal(false);
  });

  it('not when a kplay.yml beside the playbook or in the directory sets ssh_persist: only the CLI reads it', () => {
    mkdirSync(join(cwd, 'play'));
    writeFileSync(join(cwd, 'play', 'kplay.yml'), 'forks: 5\nssh_persist: 0\n');
    expect(runsInKeeper(['play/site.yml'], {}, cwd)).to.equal(false);
    expect(runsInKeeper(['other.yml'], {}, cwd)).to.equal(true);
    writeFileSync(join(cwd, 'kplay.yml'), 'forks: 5\n');
    expect(runsInKeeper(['other.yml'], {}, cwd)).to.equal(true);
  });
});
