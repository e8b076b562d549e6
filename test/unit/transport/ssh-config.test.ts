import { expect } from 'chai';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { expandSshPath, parseJumpList, proxyCommandAsJump, splitArgs, sshArgsToEntry, sshConfigFor } from '../../../engine/transport/ssh-config.ts';
import { envPrefix, remoteTimeout, tempPathFor } from '../../../engine/transport/ssh.ts';
import { execFileSync } from 'node:child_process';

describe('ssh-config', () => {
  it('computes HostName, User, Port, IdentityFile, ProxyJump (first match wins)', () => {
    const cfg = SSHConfig.parse(`
Host db-*
  HostName %h.internal
  Port 2222
  IdentityFile ~/.ssh/db_key
  IdentityFile /keys/second
  ProxyJump ops@bastion:22
Host *
  User everyone
  Port 22
`);
    const e = sshConfigFor('db-1', cfg);
    expect(e).to.deep.include({ hostName: 'db-1.internal', user: 'everyone', port: 2222, proxyJump: 'ops@bastion:22' });
    expect(e.identityFiles).to.deep.equal([join(homedir(), '.ssh/db_key'), '/keys/second']);
    expect(sshConfigFor('other', cfg)).to.deep.include({ user: 'everyone', port: 22 });
    expect(sshConfigFor('x', null)).to.deep.equal({ identityFiles: [] });
  });

  it('never runs Match exec', () => {
    const cfg = SSHConfig.parse(`Match exec "touch /tmp/kplay-should-not-exist"\n  User evil\n`);
    expect(sshConfigFor('h', cfg).user).to.equal(undefined);
  });

  it('expands ~ and %d %h %u %r %%', () => {
    expect(expandSshPath('~/.ssh/%h_%r%%', 'web', 'deploy')).to.equal(join(homedir(), '.ssh/web_deploy%'));
    expect(expandSshPath('%d/k', 'h')).to.equal(`${homedir()}/k`);
  });

  it('splits ssh args like sh (quotes, backslashes)', () => {
    expect(splitArgs(`-o ProxyCommand="ssh -W %h:%p bastion" -o 'User=a b' x\\ y`)).to.deep.equal([
      '-o',
      'ProxyCommand=ssh -W %h:%p bastion',
      '-o',
      'User=a b',
      'x y',
    ]);
    expect(() => splitArgs(`-o "open`)).to.throw(/unterminated/);
  });

  it('reads -o Key=Value, -oKey=Value, -o Key Value, -J, -i, -p, -l', () => {
    expect(sshArgsToEntry('-oProxyJump=j1 -o StrictHostKeyChecking no -i /k -p 2200 -l bob -o ControlMaster=auto', 'h')).to.deep.equal({
      proxyJump: 'j1',
      strictHostKeyChecking: 'no',
      identityFiles: ['/k'],
      port: 2200,
      user: 'bob',
    });
    expect(sshArgsToEntry('-J u@j:2', 'h').proxyJump).to.equal('u@j:2');
    expect(sshArgsToEntry('-o UserKnownHostsFile=/dev/null', 'h').userKnownHostsFiles).to.deep.equal(['/dev/null']);
  });

  it('parses jump lists, ports, users and IPv6', () => {
    expect(parseJumpList('a')).to.deep.equal([{ host: 'a' }]);
    expect(parseJumpList('u@a:2022,ssh://v@b:22')).to.deep.equal([{ user: 'u', host: 'a', port: 2022 }, { user: 'v', host: 'b', port: 22 }]);
    expect(parseJumpList('root@[::1]:2200')).to.deep.equal([{ user: 'root', host: '::1', port: 2200 }]);
  });

  it('recognises ProxyCommand ssh -W %h:%p as a jump, and nothing else', () => {
    expect(proxyCommandAsJump('ssh -W %h:%p bastion')).to.deep.equal({ host: 'bastion' });
    expect(proxyCommandAsJump('/usr/bin/ssh -q -i /k -l ops -p 2200 -W [%h]:%p gw')).to.deep.equal({ host: 'gw', user: 'ops', port: 2200, identityFile: '/k' });
    expect(proxyCommandAsJump('ssh -o Port=2201 -W %h:%p a@gw')).to.deep.equal({ host: 'gw', user: 'a', port: 2201 });
    expect(proxyCommandAsJump('nc -X connect -x proxy:3128 %h %p')).to.equal(undefined);
    expect(proxyCommandAsJump('ssh bastion nc %h %p')).to.equal(undefined);
  });
});

describe('ssh helpers', () => {
  it('envPrefix exports quoted values and rejects bad names', () => {
    const script = `${envPrefix({ A: "x 'y' $(z)", B: '' })}printf '%s|%s' "$A" "$B"`;
    expect(execFileSync('/bin/sh', ['-c', script]).toString()).to.equal("x 'y' $(z)|");
    expect(envPrefix(undefined)).to.equal('');
    expect(() => envPrefix({ 'A;rm': 'x' })).to.throw(/invalid environment variable/);
  });

  it('remoteTimeout keeps the script intact', () => {
    expect(execFileSync('/bin/sh', ['-c', remoteTimeout(`echo "it's" $((1+1))`, 5000)]).toString()).to.equal("it's 2\n");
  });

  it('temp files sit beside the target, hidden, with a random suffix', () => {
    const t = tempPathFor('/etc/app/conf.yml');
    expect(t).to.match(/^\/etc\/app\/\.conf\.yml\.kplay-[0-9a-f]{12}\.tmp$/);
    expect(tempPathFor('/etc/app/conf.yml')).to.not.equal(t);
  });
});
