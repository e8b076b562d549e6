/**
 * SSH transport numbers: connect, sequential round trip (resident shell and a channel each),
 * 200 concurrent commands, 100 MB upload; with --lab also the host's CPU per command both ways.
 *   npx tsx bench/ssh-transport.ts          # throwaway sshd on 127.0.0.1
 *   npx tsx bench/ssh-transport.ts --lab    # one systemd-nspawn lab host (needs root + nspawn)
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshTransport, type SshOptions } from '../engine/transport/ssh.ts';
import type { ExecOptions } from '../engine/transport/transport.ts';
import { labCpuS } from './lib/measure.ts';
import { makeClientKey, startSshd } from '../test/support/sshd.ts';
import { startLab } from '../test/support/lab.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Median of `n` sequential `test -e /` after `warm` untimed ones. */
async function roundTrip(t: SshTransport, warm: number, n: number, opts: ExecOptions = {}): Promise<number> {
  for (let i = 0; i < warm; i++) await t.exec('test -e /', opts);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await t.exec('test -e /', opts);
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function main(): Promise<void> {
  const useLab = process.argv.includes('--lab');
  const work = mkdtempSync(join(tmpdir(), 'kplay-bench-ssh-'));
  let opts: SshOptions;
  let stop: () => Promise<void>;
  let labName: string | undefined;
  if (useLab) {
    const lab = await startLab(1, { name: 'ssh-bench' });
    labName = lab.name;
    const h = lab.hosts[0]!;
    opts = { host: h.name, address: h.address, user: 'root', privateKeyPath: lab.keyPath, knownHostsFiles: [lab.knownHostsPath], agent: false };
    stop = () => lab.stop();
  } else {
    const sshd = await startSshd();
    const key = makeClientKey(work, 'ed25519');
    sshd.authorize(key.publicKey);
    const kh = join(work, 'known_hosts');
    writeFileSync(kh, `${sshd.knownHostsLine()}\n`);
    opts = { host: 'sshd', address: '127.0.0.1', port: sshd.port, user: 'root', privateKeyPath: key.path, knownHostsFiles: [kh], agent: false };
    stop = () => sshd.stop();
  }
  try {
    const connects: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = new SshTransport(opts);
      const t0 = performance.now();
      await t.connect();
      connects.push(performance.now() - t0);
      await t.close();
    }
    console.log(`connect + auth (median of 7):            ${ms(median(connects))}`);

    // Nagle bites where a command is several packets each way: a channel per command
    for (const tcpNoDelay of [false, true]) {
      const n = new SshTransport({ ...opts, tcpNoDelay });
      await n.connect();
      console.log(`exec round trip (a channel each), TCP_NODELAY ${tcpNoDelay ? 'on ' : 'off'}: ${ms(await roundTrip(n, 10, 50, { isolate: true }))} median (50)`);
      await n.close();
    }

    const t = new SshTransport(opts);
    await t.connect();
    console.log(`exec round trip, resident shell:          ${ms(await roundTrip(t, 20, 200))} median (200 × test -e /)`);
    console.log(`exec round trip, a channel each:          ${ms(await roundTrip(t, 20, 200, { isolate: true }))} median (200 × test -e /)`);
    if (labName) {
      // what the host pays per command: sshd's fork + exec and a new shell per channel, one fork in the resident shell
      for (const [label, o] of [['resident shell', {}], ['a channel each', { isolate: true }]] as const) {
        const cpu0 = labCpuS(labName);
        for (let i = 0; i < 100; i++) await t.exec('true', o);
        console.log(`host CPU per command, ${label.padEnd(15)}:  ${ms(((labCpuS(labName) - cpu0) * 1000) / 100)} (100 × true)`);
      }
    }
    let t0 = performance.now();
    await Promise.all(Array.from({ length: 200 }, () => t.exec('test -e /')));
    const wall200 = performance.now() - t0;
    console.log(`200 concurrent commands (8 channels):     ${ms(wall200)} wall, ${ms(wall200 / 200)} each, high water ${t.channels.highWater}`);

    const src = join(work, 'big');
    await new Promise<void>((resolve) => {
      const w = createWriteStream(src);
      const chunk = Buffer.alloc(1024 * 1024, 0x5a);
      for (let i = 0; i < 100; i++) w.write(chunk);
      w.end(resolve);
    });
    t0 = performance.now();
    await t.putFile(src, '/tmp/kplay-bench-100m', { mode: '0600' });
    const up = performance.now() - t0;
    console.log(`100 MB putFile (SFTP, temp + rename):     ${ms(up)} (${(100 / (up / 1000)).toFixed(0)} MB/s)`);
    await t.exec('rm -f /tmp/kplay-bench-100m');
    await t.close();
  } finally {
    await stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
