/**
 * The loaded, validated playbook: what the loader produces and the executor consumes.
 * Everything here is plain data with source locations; templates are still unrendered strings
 * (rendered per host at run time), conditions are already parsed (a syntax error is a load error).
 */
import type { SourceLoc } from '../errors.ts';
import type { Condition } from '../template/expression.ts';

export type Vars = Record<string, unknown>;

/** Keywords that a play, role, block, include and task may all carry, and that children inherit. */
export interface CommonKeywords {
  loc: SourceLoc;
  name?: string;
  when: Condition[]; // all must hold; inherited conditions are prepended by the loader/executor
  tags: string[];
  vars: Vars;
  become?: boolean | string; // string: a template
  become_user?: string;
  become_method?: 'sudo' | 'su';
  check_mode?: boolean;
  diff?: boolean;
  ignore_errors?: boolean | string;
  ignore_unreachable?: boolean;
  no_log?: boolean | string;
  delegate_to?: string;
  delegate_facts?: boolean;
  run_once?: boolean;
  throttle?: number;
  any_errors_fatal?: boolean;
  environment?: Record<string, unknown> | string;
  /** The role this item came from, for role-relative file lookups and role_path. */
  role?: RoleRef;
}

export interface RoleRef {
  name: string;
  path: string; // absolute directory of the role
  /** Index into Play.roles of the application this item belongs to (its defaults, vars and params). */
  app: number;
}

export interface LoopControl {
  loop_var: string; // default 'item'
  index_var?: string;
  label?: string;
  pause?: number;
  extended?: boolean;
}

/** One module call. */
export interface Task extends CommonKeywords {
  kind: 'task';
  /** Canonical module name (prefixes like `ansible.builtin.` are stripped by the loader). */
  module: string;
  args: Vars; // raw, may hold templates; free-form `command: echo hi` becomes { _raw_params: 'echo hi' } → module's own key
  /** Location of each argument key, for runtime errors after templating. */
  argLocs: Record<string, SourceLoc>;
  loop?: unknown; // list or template string; with_items is normalised into loop
  loop_control: LoopControl;
  register?: string;
  notify: string[];
  changed_when?: Condition[];
  failed_when?: Condition[];
  until?: Condition[];
  retries: number | string; // default 3 when until is set (Ansible), else 0; a string is a template
  delay: number | string; // seconds, default 5; a string is a template
}

export interface Block extends CommonKeywords {
  kind: 'block';
  block: Item[];
  rescue: Item[];
  always: Item[];
}

/** include_tasks / include_role: resolved at run time (dynamic). import_* are expanded by the loader. */
export interface Include extends CommonKeywords {
  kind: 'include_tasks' | 'include_role';
  /** For include_tasks: a path (may be a template); for include_role: the role name. */
  target: string;
  tasks_from?: string;
  vars_from?: string;
  defaults_from?: string;
  handlers_from?: string;
  loop?: unknown;
  loop_control: LoopControl;
  /** Where a relative include path is resolved from. */
  baseDir: string;
}

export type Item = Task | Block | Include;

export interface Handler extends Task {
  /** Topics from `listen`; a handler is notified by its name or any of these. */
  listen: string[];
}

/**
 * A role as applied in a play (roles:, import_role): its variable layers. Its tasks are already
 * expanded into the play's sections, each carrying `role` with this application's index.
 */
export interface RoleApplication {
  ref: RoleRef;
  defaults: Vars; // role defaults (lowest precedence)
  vars: Vars; // role vars/main.yml (above play vars)
  params: Vars; // parameters given at the call site
}

export interface Play extends CommonKeywords {
  kind: 'play';
  hosts: string; // a pattern; list forms are joined with ','
  gather_facts: boolean;
  vars_files: string[]; // absolute paths (after loading they are merged into varsFromFiles)
  varsFromFiles: Vars;
  roles: RoleApplication[];
  /** pre_tasks, then roles (role tasks in a block per role), then tasks, then post_tasks. Handlers flush after each. */
  sections: { name: 'pre_tasks' | 'roles' | 'tasks' | 'post_tasks'; items: Item[] }[];
  handlers: Handler[];
  serial?: (number | string)[]; // number or "30%"
  order: 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
  strategy: 'linear' | 'free';
  max_fail_percentage?: number;
  force_handlers?: boolean;
  /** Directory of the playbook file that holds this play (playbook_dir). */
  baseDir: string;
}

export interface Playbook {
  file: string; // absolute
  plays: Play[]; // import_playbook is expanded in place
}
