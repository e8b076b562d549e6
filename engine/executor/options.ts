/** Everything a run is configured with, after CLI flags, environment and kplay.yml are merged. */
import type { Reporter } from '../report/events.ts';
import type { Vars } from '../playbook/model.ts';

export interface RunOptions {
  check: boolean;
  diff: boolean;
  forks: number;
  verbosity: number;
  extraVars: Vars;
  limit?: string;
  tags: string[];
  skipTags: string[];
  startAtTask?: string;
  /** Connection defaults and overrides (-u, --private-key, -b …). */
  connection: ConnectionDefaults;
  /** Controller paths for modules (pki dir, download cache). */
  pkiDir: string;
  cacheDir: string;
  inventoryDir: string;
  /** Default strategy when a play names none. */
  strategy: 'linear' | 'free';
  reporter: Reporter;
  signal?: AbortSignal;
}

export interface ConnectionDefaults {
  user?: string;
  privateKeyPath?: string;
  password?: string;
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: 'sudo' | 'su';
  becomePassword?: string;
  hostKeyChecking?: 'strict' | 'accept-new' | false;
  knownHostsFiles?: string[];
  timeoutMs?: number;
}
