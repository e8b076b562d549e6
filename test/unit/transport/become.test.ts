import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { becomeWrap, effectiveBecome } from '../../../engine/transport/become.ts';

/**
 * A stand-in `sudo` on PATH that behaves like the real one for what the wrapper relies on: with -A
 * it asks $SUDO_ASKPASS (argv[1] = the -p prompt) only when FAKE_SUDO_NEEDS_PW is set, checks the
 * answer, resets the environment, and runs the command. Real sudo is exercised on lab hosts.
 */
const FAKE_SUDO = `#!/bin/sh
prompt=''
user=root
askpass=no
while [ $# -gt 0 ]; do
  case "$1" in
    -A) askpass=yes; shift ;;
    -n|-H|-S) shift ;;
    -p) prompt="$2"; shift 2 ;;
    -u) user="$2"; shift 2 ;;
    *) break ;;
  esac
done
if [ -n "$FAKE_SUDO_NEEDS_PW" ]; then
  [ "$askpass" = yes ] || { echo "sudo: a password is required" >&2; exit 1; }
  got=$("$SUDO_ASKPASS" "$prompt")
  [ "$got" = "$FAKE_SUDO_NEEDS_PW" ] || { echo "sudo: wrong password" >&2; exit 1; }
fi
exec env -i PATH="$PATH" SUDO_USER=me "$@"
`;

describe('become: sudo wrapper', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kplay-become-'));
    writeFileSync(join(dir, 'sudo'), FAKE_SUDO);
    chmodSync(join(dir, 'sudo'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(script: string, password: string | undefined, needs: string | undefined, stdin: string): string {
    const w = becomeWrap(script, { method: 'sudo', user: 'root', ...(password !== undefined ? { password } : {}) });
    expect(w.command).to.not.contain(password ?? '\u0000never');
    return execFileSync('/bin/sh', ['-c', w.command], {
      input: (w.stdinPrefix ?? '') + stdin,
      env: { PATH: `${dir}:/usr/bin:/bin`, ...(needs ? { FAKE_SUDO_NEEDS_PW: needs } : {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
  }

  it('keeps the password out of argv and sends it on stdin', () => {
    const w = becomeWrap('id', { method: 'sudo', user: 'root', password: "p4ss 'w0rd' $(x)" });
    expect(w.command).to.not.contain('p4ss');
    expect(w.stdinPrefix).to.equal("p4ss 'w0rd' $(x)\n");
  });

  it('a sudo that asks gets the password, and the caller stdin follows intact', () => {
    expect(run('cat', "s3cr3t 'x' $y", "s3cr3t 'x' $y", 'line1\nline2\n')).to.equal('line1\nline2\n');
  });

  it('a sudo that does NOT ask does not pass the password line to the command', () => {
    expect(run('cat', 's3cr3t', undefined, 'caller stdin\n')).to.equal('caller stdin\n');
  });

  it('the command does not see the password in its environment', () => {
    expect(run('env', 's3cr3t', 's3cr3t', '')).to.not.contain('s3cr3t');
  });

  it('a wrong password fails without running the command', () => {
    expect(() => run('echo ran', 'wrong', 'right', '')).to.throw(/wrong password/);
  });

  it('without a password uses sudo -n (never waits for a prompt)', () => {
    expect(becomeWrap('id', { method: 'sudo', user: 'app' }).command).to.match(/^sudo -n -H -u app /);
  });

  it('su wraps with -s /bin/sh and asks for a pty only with a password', () => {
    expect(becomeWrap('id', { method: 'su', user: 'app' })).to.deep.equal({ command: "su app -s /bin/sh -c id" });
    expect(becomeWrap('id', { method: 'su', user: 'app', password: 'x' }).ptyPassword).to.equal('x');
  });

  it('with stdinFile, the command reads the file while the password still comes from stdin', () => {
    writeFileSync(join(dir, 'input'), 'from the file\n');
    const w = becomeWrap('cat', { method: 'sudo', user: 'root', password: 'pw' }, undefined, join(dir, 'input'));
    const out = execFileSync('/bin/sh', ['-c', w.command], {
      input: w.stdinPrefix,
      env: { PATH: `${dir}:/usr/bin:/bin`, FAKE_SUDO_NEEDS_PW: 'pw' },
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
    expect(out).to.equal('from the file\n');
    const su = becomeWrap('cat', { method: 'su', user: 'app', password: 'x' }, undefined, '/some file');
    expect(su.command).to.equal(`su app -s /bin/sh -c 'exec 0<&3 3<&-; cat' 3< '/some file'`);
  });

  it('runs in cwd inside the become', () => {
    expect(run('pwd', undefined, undefined, '').trim()).to.equal(process.cwd());
    const w = becomeWrap('pwd', { method: 'sudo', user: 'root' }, '/tmp');
    expect(w.command).to.contain("'cd /tmp || exit 1; pwd'");
  });

  it('becoming the login user is a no-op', () => {
    expect(effectiveBecome({ method: 'sudo', user: 'root' }, 'root')).to.equal(undefined);
    expect(effectiveBecome({ method: 'sudo', user: 'root' }, 'kplay')).to.deep.equal({ method: 'sudo', user: 'root' });
  });
});
