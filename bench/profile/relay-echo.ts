/**
 * What the connection keeper's relay costs per message, without SSH: a client process sends
 * frames shaped like the keeper's (a JSON header with a ~800-byte script) to an echo process, in
 * rounds of HOSTS requests at once (a task on every host), and each answer (~300 bytes of output)
 * comes back after 1 ms. Compares one unix socket per host (as kplay does) with one socket for all,
 * its writes of one tick corked together. Prints each side's CPU.
 *
 *   node --import tsx bench/profile/relay-echo.ts [HOSTS=100] [ROUNDS=25]
 */
import { fork } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Header = { id: number; b?: number; [k: string]: unknown };

function frame(h: object): Buffer {
  const body = Buffer.from(JSON.stringify(h));
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** Calls `on` for every whole frame that arrives on the socket. */
function readFrames(sock: Socket, on: (h: Header) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) break;
      on(JSON.parse(buf.subarray(4, 4 + n).toString()) as Header);
      buf = buf.subarray(4 + n);
    }
  });
}

/** One tick's writes as one: cork now, uncork when the tick ends. */
function write(sock: Socket, data: Buffer, cork: boolean): void {
  if (cork && !sock.writableCorked) {
    sock.cork();
    process.nextTick(() => sock.uncork());
  }
  sock.write(data);
}

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

if (process.argv[2] === '--echo') {
  const [path, cork] = [process.argv[3]!, process.argv[4] === 'cork'];
  const started = cpuMs();
  const server = createServer((sock) =>
    readFrames(sock, (h) => setTimeout(() => write(sock, frame({ id: h.id, b: h.b, result: { rc: 0, stdout: 'x'.repeat(300), stderr: '' } }), cork), 1)),
  );
  server.listen(path, () => process.send?.(started));
  process.on('message', () => process.send?.(cpuMs() - started));
} else {
  const hosts = Number(process.argv[2] ?? 100);
  const rounds = Number(process.argv[3] ?? 25);
  for (const mode of ['socket per host', 'one socket, corked', 'socket per host', 'one socket, corked']) {
    const one = mode.startsWith('one');
    const path = join(tmpdir(), `kplay-relay-echo-${process.pid}.sock`);
    rmSync(path, { force: true });
    const echo = fork(import.meta.filename, ['--echo', path, one ? 'cork' : ''], { execArgv: process.execArgv });
    await new Promise((r) => echo.once('message', r));
    const socks: Socket[] = [];
    for (let i = 0; i < (one ? 1 : hosts); i++) socks.push(await new Promise<Socket>((r) => { const s = connect(path, () => r(s)); }));
    const pending = new Map<number, () => void>();
    for (const s of socks) readFrames(s, (h) => { pending.get(h.id)?.(); pending.delete(h.id); });
    let id = 0;
    const c0 = cpuMs();
    for (let r = 0; r < rounds; r++) {
      await Promise.all(
        Array.from({ length: hosts }, (_, b) => new Promise<void>((done) => {
          const h = { id: ++id, b, op: 'exec', cmd: 'y'.repeat(800), opts: {} };
          pending.set(h.id, done);
          write(socks[one ? 0 : b]!, frame(h), one);
        })),
      );
    }
    const client = cpuMs() - c0;
    echo.send('cpu');
    const server = await new Promise<number>((r) => echo.once('message', (m) => r(Number(m))));
    echo.kill();
    for (const s of socks) s.destroy();
    const n = hosts * rounds;
    console.log(`${mode.padEnd(20)} ${n} commands: client ${client.toFixed(0)} ms, echo ${server.toFixed(0)} ms (after its start-up), ${((client + server) / n).toFixed(3)} ms per command`);
  }
}
