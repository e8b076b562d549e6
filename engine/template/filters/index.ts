/**
 * Ansible's filters with Ansible's signatures (positional and keyword arguments), for `{{ … }}`
 * expressions and conditions: one table collected from the files of this folder, one file per kind.
 * Where a filter here and the Handlebars helper of the same name could disagree, these follow
 * Ansible 2.14 (the corpus test test/unit/template/ansible-corpus.test.ts compares with what Ansible
 * computes); docs/templates.md lists the differences that remain.
 */
import { DICT_FILTERS } from './dicts.ts';
import { JSON_YAML_FILTERS } from './json-yaml.ts';
import { LIST_FILTERS } from './lists.ts';
import { NETWORK_FILTERS } from './network.ts';
import { PATH_FILTERS } from './paths.ts';
import { REGEX_FILTERS } from './regex.ts';
import { SCALAR_FILTERS } from './scalars.ts';
import { STRING_FILTERS } from './strings.ts';
import type { Filter } from './types.ts';

/** Filters that need Ansible's exact signature; the rest come from the Handlebars helpers. */
export const ANSIBLE_FILTERS: Record<string, Filter> = {
  ...SCALAR_FILTERS,
  ...LIST_FILTERS,
  ...DICT_FILTERS,
  ...REGEX_FILTERS,
  ...STRING_FILTERS,
  ...JSON_YAML_FILTERS,
  ...PATH_FILTERS,
  ...NETWORK_FILTERS,
};
