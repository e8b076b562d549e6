/** Names the expression language gives a meaning of its own: literals, keywords, collection prefixes. */

/** Collections whose filters and tests kplay implements under their short names (FQCN spellings). */
const FQCN_PREFIXES = ['ansible.builtin.', 'ansible.utils.', 'ansible.netcommon.', 'community.general.', 'ansible.legacy.'];

/** `ansible.builtin.default` → `default`; other names unchanged. */
export function shortName(name: string): string {
  for (const p of FQCN_PREFIXES) if (name.startsWith(p)) return name.slice(p.length);
  return name;
}

export const LITERAL_NAMES: Record<string, unknown> = {
  true: true,
  True: true,
  false: false,
  False: false,
  none: null,
  None: null,
  null: null,
};

/** Jinja reserves these; as variable names they are always a mistake. */
export const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
