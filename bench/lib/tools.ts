/** The two tools under test: how each is installed, configured and called for one phase. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Lab } from '../../test/support/lab.ts';

export type Tool = 'kplay' | 'ansible';
export type Phase = 'check_fresh' | 'first' | 'second' | 'check_after';
export const PHASES: readonly Phase[] = ['check_fresh', 'first', 'second', 'check_after'];

const ROOT = resolve(import.meta.dirname, '..', '..');
export const WORKLOAD = join(ROOT, 'bench', 'workload');

/** Debian's ansible-core (2.14) and ansible (collections, for ansible.posix.sysctl). */
export function ensureAnsible(log: (m: string) => void): string {
  if (!existsSync('/usr/bin/ansible-playbook') || !existsSync('/usr/lib/python3/dist-packages/ansible_collections/ansible/posix')) {
    log(execFileSync('apt-cache', ['policy', 'ansible', 'ansible-core'], { encoding: 'utf8' }));
    log('installing ansible-core and ansible from Debian …');
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'ansible', 'ansible-core', 'time'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!existsSync('/usr/bin/time')) execFileSync('apt-get', ['install', '-y', 'time'], { stdio: 'inherit' });
  return execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
}

/** ansible.cfg for one lab: strict host keys from the lab's known_hosts, pipelining, forks = N. */
export function writeAnsibleCfg(dir: string, lab: Lab): string {
  mkdirSync(join(dir, 'cp'), { recursive: true });
  const cfg = join(dir, 'ansible.cfg');
  writeFileSync(
    cfg,
    [
      '[defaults]',
      `inventory = ${lab.inventoryPath}`,
      `forks = ${lab.hosts.length}`,
      'host_key_checking = True',
      'interpreter_python = /usr/bin/python3',
      'retry_files_enabled = False',
      'deprecation_warnings = False',
      'nocolor = True',
      `local_tmp = ${join(dir, 'tmp')}`,
      '',
      '[ssh_connection]',
      'pipelining = True',
      // Ansible's default ssh_args, plus the lab's host keys, checked strictly
      `ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes`,
      // a fresh control-socket directory per lab: a master left from the previous lab must not be reused
      `control_path_dir = ${join(dir, 'cp')}`,
      '',
    ].join('\n'),
  );
  return cfg;
}

export interface Invocation {
  argv: string[];
  env: NodeJS.ProcessEnv;
}

export function invocation(tool: Tool, phase: Phase, lab: Lab, extra: { artifactUrl: string; checksum: string; ansibleCfg?: string; kplayEntry?: string; fromSource?: boolean; keeperDir?: string; persist?: boolean }): Invocation {
  const check = phase === 'check_fresh' || phase === 'check_after';
  const vars = ['-e', `artifact_url=${extra.artifactUrl}`, '-e', `artifact_checksum=${extra.checksum}`];
  if (tool === 'kplay') {
    const entry = extra.kplayEntry ?? join(ROOT, 'bin', 'kplay.js');
    return {
      argv: ['node', entry, 'run', join(WORKLOAD, 'site.kplay.yml'), '-i', lab.inventoryPath, '-f', String(lab.hosts.length), ...vars, ...(check ? ['--check'] : [])],
      env: {
        ...process.env,
        NO_COLOR: '1',
        ...(extra.fromSource ? { KPLAY_FROM_SOURCE: '1' } : {}),
        ...(extra.keeperDir ? { KPLAY_KEEPER_DIR: extra.keeperDir } : {}),
        // the shipped default (60 s, off from sources), or explicitly off
        ...(extra.persist === false ? { KPLAY_SSH_PERSIST: '0' } : {}),
      },
    };
  }
  return {
    argv: ['ansible-playbook', '-i', lab.inventoryPath, '-f', String(lab.hosts.length), join(WORKLOAD, 'site.ansible.yml'), ...vars, ...(check ? ['--check'] : [])],
    env: { ...process.env, ANSIBLE_CONFIG: extra.ansibleCfg, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' },
  };
}
