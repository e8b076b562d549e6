/**
 * JSON Schemas (TypeBox) of the playbook language: plays, tasks, blocks, handlers, includes,
 * role entries and role meta. ajv validates with them; unknown keys get a "did you mean".
 * Values that may be templates are unions with a string: at load time a template string is
 * accepted wherever another type is wanted (see schema-errors.ts).
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { BOOLEAN_EXPECTED } from './keyword-values.ts';

const Str = Type.String();
/** YAML 1.1 forms only (a quoted "yes" was made true by keyword-values.ts before validation). */
const Bool = Type.Boolean({ 'x-expected': BOOLEAN_EXPECTED });
const Int = (min: number, max?: number) =>
  Type.Integer({ minimum: min, ...(max !== undefined ? { maximum: max } : {}), 'x-expected': `an integer${max !== undefined ? ` from ${min} to ${max}` : ` >= ${min}`}` });
const Num = (min: number, max?: number) =>
  Type.Number({ minimum: min, ...(max !== undefined ? { maximum: max } : {}), 'x-expected': `a number${max !== undefined ? ` from ${min} to ${max}` : ` >= ${min}`}` });
const StrList = Type.Union([Str, Type.Array(Str)]);
const ConditionValue = Type.Union([Str, Bool, Type.Array(Type.Union([Str, Bool]))]);
const Tags = Type.Union([Str, Type.Number(), Type.Array(Type.Union([Str, Type.Number()]))]);
const Mapping = Type.Record(Type.String(), Type.Unknown());
/** Ansible accepts play vars as a mapping or a list of mappings. */
const VarsValue = Type.Union([Mapping, Type.Array(Mapping)]);

/** Keywords every level (play, role entry, block, include, task) may carry and that children inherit. */
export const commonKeywords = {
  name: Type.Union([Str, Type.Number()]),
  when: ConditionValue,
  tags: Tags,
  vars: VarsValue,
  become: Bool,
  become_user: Str,
  become_method: Type.Union([Type.Literal('sudo'), Type.Literal('su')]),
  become_flags: Str,
  check_mode: Bool,
  diff: Bool,
  ignore_errors: Bool,
  ignore_unreachable: Bool,
  no_log: Bool,
  delegate_to: Str,
  delegate_facts: Bool,
  run_once: Bool,
  throttle: Int(1),
  any_errors_fatal: Bool,
  environment: Type.Union([Mapping, Str]),
  /** Accepted for compatibility and ignored with a warning. */
  module_defaults: Type.Unknown(),
  collections: Type.Unknown(),
  debugger: Type.Unknown(),
};

/** Keywords accepted but ignored (with a warning), so Ansible playbooks port with few edits. */
export const IGNORED_KEYWORDS = new Set(['module_defaults', 'collections', 'debugger', 'become_flags', 'gather_subset', 'gather_timeout', 'fact_path', 'vars_prompt']);

export const LoopControl = Type.Object(
  {
    loop_var: Str,
    index_var: Str,
    label: Type.Unknown(),
    pause: Num(0),
    extended: Bool,
  },
  { additionalProperties: false },
);

const loopKeywords = {
  loop: Type.Union([Type.Array(Type.Unknown()), Str]),
  with_items: Type.Union([Type.Array(Type.Unknown()), Str]),
  with_list: Type.Union([Type.Array(Type.Unknown()), Str]),
  loop_control: Type.Partial(LoopControl),
};

export const taskOnlyKeywords = {
  ...loopKeywords,
  register: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', 'x-expected': 'a variable name (letters, digits, _)' }),
  notify: StrList,
  changed_when: ConditionValue,
  failed_when: ConditionValue,
  until: ConditionValue,
  retries: Int(0),
  delay: Num(0),
  args: Type.Union([Mapping, Str]),
};

/** A task's keywords; the module key is taken out before validation. */
export const TaskKeywords = Type.Partial(Type.Object({ ...commonKeywords, ...taskOnlyKeywords }, { additionalProperties: false }), {
  additionalProperties: false,
});

export const HandlerKeywords = Type.Partial(Type.Object({ ...commonKeywords, ...taskOnlyKeywords, listen: StrList }, { additionalProperties: false }), {
  additionalProperties: false,
});

const ItemList = Type.Union([Type.Array(Type.Unknown()), Type.Null()]);

export const BlockKeywords = Type.Partial(
  Type.Object({ ...commonKeywords, block: ItemList, rescue: ItemList, always: ItemList }, { additionalProperties: false }),
  { additionalProperties: false },
);

const RoleCallOptions = {
  name: Str,
  role: Str,
  tasks_from: Str,
  vars_from: Str,
  defaults_from: Str,
  handlers_from: Str,
  allow_duplicates: Bool,
  public: Bool,
  rolespec_validate: Bool,
  apply: Mapping,
};

const { role: _role, ...roleCallArgs } = RoleCallOptions;
export const ImportRoleArgs = Type.Object(
  { ...Object.fromEntries(Object.entries(roleCallArgs).map(([k, v]) => [k, Type.Optional(v)])), name: Str },
  { additionalProperties: false },
);

export const IncludeTasksArgs = Type.Union([
  Str,
  Type.Object({ file: Str, apply: Type.Optional(Mapping) }, { additionalProperties: false }),
]);

/** import_tasks / include_tasks / import_role / include_role items: their own keywords. */
export const ImportKeywords = Type.Partial(Type.Object({ ...commonKeywords, ...loopKeywords }, { additionalProperties: false }), {
  additionalProperties: false,
});

const SERIAL_EXPECTED = 'a positive integer, a percentage like "30%", or a list of them';

export const PlayKeywords = Type.Partial(
  Type.Object(
    {
      ...commonKeywords,
      hosts: Type.Union([Str, Type.Array(Str)]),
      gather_facts: Bool,
      gather_subset: Type.Unknown(),
      gather_timeout: Type.Unknown(),
      fact_path: Type.Unknown(),
      vars_prompt: Type.Unknown(),
      vars_files: Type.Union([Str, Type.Array(Type.Union([Str, Type.Array(Str)]))]),
      pre_tasks: ItemList,
      roles: ItemList,
      tasks: ItemList,
      post_tasks: ItemList,
      handlers: ItemList,
      serial: Type.Union([
        Type.Integer({ minimum: 1 }),
        Type.String({ pattern: '^\\d+%?$', 'x-expected': SERIAL_EXPECTED }),
        Type.Array(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\d+%?$', 'x-expected': SERIAL_EXPECTED })]), { minItems: 1 }),
      ]),
      order: Type.Union(['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'].map((o) => Type.Literal(o))),
      strategy: Type.Union([Type.Literal('linear'), Type.Literal('free')]),
      max_fail_percentage: Num(0, 100),
      force_handlers: Bool,
      /** Become play vars (ansible_connection, ansible_user, ansible_port). */
      connection: Type.Union([Type.Literal('ssh'), Type.Literal('local'), Str]),
      remote_user: Str,
      port: Int(1, 65535),
    },
    { additionalProperties: false },
  ),
  { additionalProperties: false },
);

export const ImportPlaybookKeywords = Type.Partial(
  Type.Object({ name: Str, import_playbook: Str, when: ConditionValue, tags: Tags, vars: VarsValue }, { additionalProperties: false }),
  { additionalProperties: false },
);

/** `roles:` entries: role/name, inherited keywords, and anything else is a role parameter. */
export const ROLE_ENTRY_KEYS = new Set(['role', 'name', 'tasks_from', 'vars_from', 'defaults_from', 'handlers_from', 'allow_duplicates', 'public', ...Object.keys(commonKeywords)]);

export const RoleEntryKeywords = Type.Partial(
  Type.Object({ ...commonKeywords, ...RoleCallOptions, vars: Mapping }, { additionalProperties: true }),
);

const ArgumentSpecOption: TSchema = Type.Partial(
  Type.Object(
    {
      type: Type.Union(['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw'].map((t) => Type.Literal(t))),
      required: Bool,
      default: Type.Unknown(),
      choices: Type.Array(Type.Unknown()),
      elements: Type.Union(['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw'].map((t) => Type.Literal(t))),
      options: Mapping,
      description: Type.Unknown(),
      aliases: Type.Array(Str),
      version_added: Type.Unknown(),
      no_log: Bool,
    },
    { additionalProperties: false },
  ),
  { additionalProperties: false },
);

export const ArgumentSpecs = Type.Record(
  Type.String(),
  Type.Partial(
    Type.Object(
      {
        short_description: Type.Unknown(),
        description: Type.Unknown(),
        author: Type.Unknown(),
        version_added: Type.Unknown(),
        options: Type.Record(Type.String(), ArgumentSpecOption),
      },
      { additionalProperties: false },
    ),
    { additionalProperties: false },
  ),
);

export const ArgumentSpecOptionSchema = ArgumentSpecOption;

export const RoleMeta = Type.Partial(
  Type.Object(
    {
      galaxy_info: Type.Unknown(),
      dependencies: Type.Union([Type.Array(Type.Union([Str, Mapping])), Type.Null()]),
      allow_duplicates: Bool,
      argument_specs: ArgumentSpecs,
      collections: Type.Unknown(),
    },
    { additionalProperties: false },
  ),
  { additionalProperties: false },
);

/** Actions the loader handles itself (not modules). */
export const LOADER_ACTIONS = ['meta', 'import_tasks', 'include_tasks', 'import_role', 'include_role', 'block'] as const;

export const META_ACTIONS = ['flush_handlers', 'end_play', 'end_host', 'end_batch', 'clear_host_errors', 'noop', 'refresh_inventory', 'reset_connection', 'clear_facts'];

export const TASK_KEYWORD_NAMES = Object.keys(TaskKeywords.properties ?? {});
