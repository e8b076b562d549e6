/** `kplay lab up | status | inventory | down` through labCommand (what the CLI calls). */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labCommand } from '../../../engine/lab/index.ts';
import { LAB_START_TIMEOUT_MS, LAB_STOP_TIMEOUT_MS, requireLab } from '../../support/lab.ts';

/** Runs labCommand with stdout and stderr captured. */
async function lab(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: await labCommand(argv), out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

describe('kplay lab command', function () {
  this.timeout(LAB_START_TIMEOUT_MS);
  const dir = mkdtempSync(join(tmpdir(), 'kplay-lab-dir-'));

  before(function () {
    requireLab(this);
  });
  after(async function () {
    this.timeout(LAB_STOP_TIMEOUT_MS);
    await lab('down', '--name', 'labcli');
    await lab('down', '--dir', dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings a lab up, shows it, refuses a second one of the same name, and takes it down', async () => {
    const up = await lab('up', '2', '--name', 'labcli');
    expect(up.code, up.err).to.equal(0);
    expect(up.out).to.include('inventory:   /run/kplay/labs/labcli/inventory.ini');
    expect(up.out).to.match(/kplay-labcli-h2 {2}198\.18\.\d+\.12/);

    const status = await lab('status');
    expect(status.out).to.match(/^labcli\t198\.18\.\d+\.0\/24\t2\/2 up\towner kplay lab up\t\/run\/kplay\/labs\/labcli$/m);

    const inv = await lab('inventory', '--name', 'labcli');
    expect(inv.code).to.equal(0);
    expect(inv.out).to.include('# /run/kplay/labs/labcli/inventory.ini\n');
    expect(inv.out).to.include('kplay-labcli-h1 ansible_host=');

    const again = await lab('up', '1', '--name', 'labcli');
    expect(again.code).to.equal(1);
    expect(again.err).to.include('lab "labcli" is already up');

    const down = await lab('down', '--name', 'labcli');
    expect(down).to.include({ code: 0, out: 'lab labcli: down\n' });
    expect(existsSync('/run/kplay/labs/labcli')).to.equal(false);
    expect((await lab('down', '--name', 'labcli')).code).to.equal(2);
    expect((await lab('inventory', '--name', 'labcli')).code).to.equal(2);
  });

  it('keeps its state in --dir when asked', async () => {
    const up = await lab('up', '1', '--name', 'labdir', '--dir', dir);
    expect(up.code, up.err).to.equal(0);
    expect(readFileSync(join(dir, 'inventory.ini'), 'utf8')).to.include(`ansible_ssh_private_key_file=${dir}/id_ed25519`);
    expect(existsSync(join(dir, 'known_hosts'))).to.equal(true);
    expect((await lab('inventory', '--dir', dir)).out).to.include('kplay-labdir-h1');
    const down = await lab('down', '--dir', dir);
    expect(down.code, down.err).to.equal(0);
    expect(existsSync(join(dir, 'lab.json'))).to.equal(false);
    expect(existsSync(dir), 'a --dir given by the user stays').to.equal(true);
  });

  it('explains bad usage with exit code 5', async () => {
    expect((await lab('up')).code).to.equal(5);
    expect((await lab('up', 'three')).code).to.equal(5);
    expect((await lab('fly')).code).to.equal(5);
    const bad = await lab('up', '1', '--name', 'Bad_Name');
    expect(bad.code).to.equal(5);
    expect(bad.err).to.include('bad lab name');
  });
});
