import { expect } from 'chai';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionKey, fromWire, toWire } from '../../../engine/transport/keeper/wire.ts';
import type { SshOptions } from '../../../engine/transport/ssh.ts';
import { DEFAULT_SSH_PERSIST_SEC } from '../../../engine/transport/keeper/locate.ts';

describe('keeper wire: options and the key a connection is shared under', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kplay-wire-'));
  const kh = join(dir, 'known_hosts');
  writeFileSync(kh, 'host ssh-ed25519 AAAA\n');
  const base: SshOptions = { host: 'h1', address: '10.0.0.1', user: 'root', knownHostsFiles: [kh], agent: false };

  it('makes what the environment decides explicit, and drops the prompt callback', () => {
    const w = toWire({ ...base, agent: undefined, passphrasePrompt: async () => 'x' }, { SSH_AUTH_SOCK: '/run/agent.sock', KPLAY_SSH_PASSPHRASE: 'pp' });
    expect(w).to.include({ agent: '/run/agent.sock', passphrase: 'pp' });
    expect(w).not.to.have.property('passphrasePrompt');
    expect(toWire({ ...base, agent: undefined }, {})).to.include({ agent: false });
  });

  it('round-trips a key given as bytes, and jump hosts', () => {
    const o = fromWire(JSON.parse(JSON.stringify(toWire({ ...base, privateKey: Buffer.from([1, 2, 3]), jump: { ...base, host: 'bastion' } }, {}))));
    expect(Buffer.from(o.privateKey as Buffer).equals(Buffer.from([1, 2, 3]))).to.equal(true);
    expect(o.jump).to.include({ host: 'bastion' });
  });

  it('is the same for the same options, whatever their order, and differs when anything that made the connection differs', () => {
    const key = (o: SshOptions) => connectionKey(toWire(o, {}));
    expect(key(base)).to.equal(key({ agent: false, knownHostsFiles: [kh], user: 'root', address: '10.0.0.1', host: 'h1' }));
    expect(key({ ...base, password: 'a' })).not.to.equal(key({ ...base, password: 'b' }));
    expect(key({ ...base, port: 2222 })).not.to.equal(key(base));
    expect(key({ ...base, jump: { ...base, host: 'j1' } })).not.to.equal(key({ ...base, jump: { ...base, host: 'j2' } }));
    const before = key(base);
    utimesSync(kh, new Date(), new Date(Date.now() + 5000));
    expect(key(base), 'a rewritten known_hosts').not.to.equal(before);
  });
});

describe('the keeper from the sources', () => {
  // the test suite runs the sources: it must take the users' path, through the keeper (issue 20)
  it('keeps connections by default, as the bundle does', () => {
    expect(DEFAULT_SSH_PERSIST_SEC).to.equal(60);
  });
});
