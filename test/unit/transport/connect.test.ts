import { expect } from 'chai';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { becomeFor, persistSecFor, sshOptionsFor, transportFor } from '../../../engine/transport/connect.ts';
import { KplayError } from '../../../engine/errors.ts';

const sshConfig = SSHConfig.parse(`
Host bastion
  HostName 127.0.0.2
  User jumper
  Port 2200
Host web*
  User deploy
  IdentityFile ~/.ssh/id_web
  ProxyJump bastion
Host alias
  HostName 127.0.0.9
  Port 2022
Host *
  User fallback
`);

describe('connect: inventory variables → SshOptions', () => {
  it('maps ansible_host, ansible_port, ansible_user and the key file', () => {
    const o = sshOptionsFor('n1', { ansible_host: '198.18.0.10', ansible_port: '2222', ansible_user: 'kplay', ansible_ssh_private_key_file: '/k/id' }, { sshConfig: null });
    expect(o).to.include({ host: 'n1', address: '198.18.0.10', port: 2222, user: 'kplay', privateKeyPath: '/k/id', hostKeyChecking: 'strict' });
  });

  it('kplay_ssh_max_channels and kplay_ssh_resident_shell', () => {
    expect(sshOptionsFor('n1', { kplay_ssh_max_channels: '4', kplay_ssh_resident_shell: 'false' }, { sshConfig: null })).to.include({ maxChannels: 4, residentShell: false });
    expect(sshOptionsFor('n1', {}, { sshConfig: null }).residentShell).to.equal(undefined);
  });

  it('defaults to the inventory name, the current user and ~/.ssh/known_hosts', () => {
    const o = sshOptionsFor('n1', {}, { sshConfig: null });
    expect(o.address).to.equal('n1');
    expect(o.user).to.equal(userInfo().username);
    expect(o.port).to.equal(undefined);
    expect(o.knownHostsFiles).to.deep.equal([join(homedir(), '.ssh', 'known_hosts')]);
  });

  it('keeps the CLI known_hosts order (inventory file first)', () => {
    const o = sshOptionsFor('n1', {}, { sshConfig: null, knownHostsFiles: ['/inv/known_hosts', '/home/known_hosts'] });
    expect(o.knownHostsFiles).to.deep.equal(['/inv/known_hosts', '/home/known_hosts']);
  });

  it('inventory user beats -u, which beats ssh config', () => {
    expect(sshOptionsFor('a', { ansible_user: 'inv' }, { user: 'cli', sshConfig }).user).to.equal('inv');
    expect(sshOptionsFor('a', {}, { user: 'cli', sshConfig }).user).to.equal('cli');
    expect(sshOptionsFor('a', {}, { sshConfig }).user).to.equal('fallback');
  });

  it('takes passwords from ansible_password or ansible_ssh_pass', () => {
    expect(sshOptionsFor('a', { ansible_password: 'p1' }, { sshConfig: null }).password).to.equal('p1');
    expect(sshOptionsFor('a', { ansible_ssh_pass: 'p2' }, { sshConfig: null }).password).to.equal('p2');
  });

  it('uses ~/.ssh/config HostName, Port, User, IdentityFile and ProxyJump', () => {
    const o = sshOptionsFor('alias', {}, { sshConfig });
    expect(o).to.include({ address: '127.0.0.9', port: 2022 });
    const w = sshOptionsFor('web1', {}, { sshConfig });
    expect(w.user).to.equal('deploy');
    expect(w.jump).to.include({ address: '127.0.0.2', port: 2200, user: 'jumper' });
  });

  it('parses -o ProxyJump=u@h:p from ansible_ssh_common_args', () => {
    const o = sshOptionsFor('t', { ansible_host: '198.18.0.5', ansible_ssh_common_args: '-o ProxyJump=root@127.0.0.1:2201' }, { sshConfig: null });
    expect(o.jump).to.include({ address: '127.0.0.1', port: 2201, user: 'root' });
    expect(o.jump?.jump).to.equal(undefined);
  });

  it('parses -J with two hops into a chain (nearest first)', () => {
    const o = sshOptionsFor('t', { ansible_ssh_common_args: '-J a@h1:1,b@h2:2' }, { sshConfig: null });
    expect(o.jump).to.include({ address: 'h2', port: 2, user: 'b' });
    expect(o.jump?.jump).to.include({ address: 'h1', port: 1, user: 'a' });
  });

  it('parses ProxyCommand="ssh -W %h:%p …" as a jump', () => {
    const o = sshOptionsFor('t', { ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q admin@gw -p 2201"` }, { sshConfig: null });
    expect(o.jump).to.include({ address: 'gw', port: 2201, user: 'admin' });
  });

  it('refuses a ProxyCommand it cannot honour', () => {
    expect(() => sshOptionsFor('t', { ansible_ssh_common_args: `-o ProxyCommand="nc -X 5 proxy %h %p"` }, { sshConfig: null }))
      .to.throw(KplayError, /ProxyCommand/);
  });

  it('maps StrictHostKeyChecking and host key variables; false only when explicit', () => {
    expect(sshOptionsFor('t', { ansible_ssh_common_args: '-o StrictHostKeyChecking=no' }, { sshConfig: null }).hostKeyChecking).to.equal(false);
    expect(sshOptionsFor('t', { ansible_ssh_common_args: '-o StrictHostKeyChecking=accept-new' }, { sshConfig: null }).hostKeyChecking).to.equal('accept-new');
    expect(sshOptionsFor('t', { ansible_host_key_checking: false }, { sshConfig: null }).hostKeyChecking).to.equal(false);
    expect(sshOptionsFor('t', {}, { sshConfig: null, hostKeyChecking: 'accept-new' }).hostKeyChecking).to.equal('accept-new');
    expect(sshOptionsFor('t', {}, { sshConfig: null }).hostKeyChecking).to.equal('strict');
  });

  it('maps ansible_ssh_timeout (seconds) and the CLI timeout', () => {
    expect(sshOptionsFor('t', { ansible_ssh_timeout: 3 }, { sshConfig: null }).connectTimeoutMs).to.equal(3000);
    expect(sshOptionsFor('t', {}, { sshConfig: null, timeoutMs: 7000 }).connectTimeoutMs).to.equal(7000);
  });

  it('ansible_connection=local gives a LocalTransport, unknown ones an error', () => {
    expect(transportFor('l', { ansible_connection: 'local' }).kind).to.equal('local');
    expect(transportFor('s', {}, { sshConfig: null }).kind).to.equal('ssh');
    expect(() => transportFor('w', { ansible_connection: 'winrm' })).to.throw(KplayError, /winrm/);
  });

  it('keeps connections (the keeper) when persist is on: kplay_ssh_persist beats the CLI setting, 0 turns it off', () => {
    const kinds = (vars: Record<string, unknown>, persistSec?: number) =>
      transportFor('p', vars, { sshConfig: null, ...(persistSec !== undefined ? { persistSec } : {}) }).constructor.name;
    expect(kinds({})).to.equal('SshTransport');
    expect(kinds({}, 60)).to.equal('KeptTransport');
    expect(kinds({ kplay_ssh_persist: 0 }, 60)).to.equal('SshTransport');
    expect(kinds({ kplay_ssh_persist: false }, 60)).to.equal('SshTransport');
    expect(kinds({ kplay_ssh_persist: '30' })).to.equal('KeptTransport');
    expect(() => transportFor('p', { kplay_ssh_persist: 'soon' }, { sshConfig: null })).to.throw(KplayError, /kplay_ssh_persist must be a number of seconds/);
  });

  it('persistSecFor (whether the run starts a keeper): never for a local host; a host may opt in when the run keeps none', () => {
    expect(persistSecFor('l', { ansible_connection: 'local', kplay_ssh_persist: 60 }, { persistSec: 60 })).to.equal(0);
    expect(persistSecFor('s', {}, { persistSec: 60 })).to.equal(60);
    expect(persistSecFor('s', { kplay_ssh_persist: 30 }, { persistSec: 0 })).to.equal(30);
    expect(persistSecFor('s', {})).to.equal(0);
  });
});

describe('connect: become variables', () => {
  it('is off unless ansible_become is true', () => {
    expect(becomeFor({})).to.equal(undefined);
    expect(becomeFor({ ansible_become: 'no' })).to.equal(undefined);
  });

  it('maps user, method and password', () => {
    expect(becomeFor({ ansible_become: true })).to.deep.equal({ method: 'sudo', user: 'root' });
    expect(becomeFor({ ansible_become: 'yes', ansible_become_user: 'postgres', ansible_become_method: 'su', ansible_become_password: 's3' }))
      .to.deep.equal({ method: 'su', user: 'postgres', password: 's3' });
    expect(becomeFor({ ansible_become: 1, ansible_become_pass: 'x' })).to.deep.equal({ method: 'sudo', user: 'root', password: 'x' });
  });

  it('rejects methods it does not implement', () => {
    expect(() => becomeFor({ ansible_become: true, ansible_become_method: 'doas' })).to.throw(/doas/);
  });
});
