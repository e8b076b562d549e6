import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { LocalTransport } from '../../../engine/transport/local.ts';

describe('LocalTransport', () => {
  it('passes env to the command', async () => {
    const r = await new LocalTransport('localhost').exec('printf %s "$FOO"', { env: { FOO: 'a b $(c)' } });
    expect(r.stdout).to.equal('a b $(c)');
  });

  it('keeps env under become (sudo resets the environment)', async function () {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/sudo')) this.skip();
    const r = await new LocalTransport('localhost').exec('id -un; printf %s "$FOO"', { env: { FOO: "it's kept" }, become: { method: 'sudo', user: 'nobody' } });
    expect(r.stdout).to.equal("nobody\nit's kept");
  });
});
