/**
 * `kplay_known_after_apply`: an argument value that check mode cannot know yet because something
 * the run has not made yet decides it (a node's podCIDR, allocated by a controller-manager that the
 * same run starts). Terraform's "(known after apply)". A role writes
 * `dest: "{{ pod_cidrs[peer] | default(kplay_known_after_apply) }}"`.
 *
 * In check mode such a task is not read or planned (its state cannot be read for a value nobody
 * knows): it is reported as a change, naming the arguments. That is the prediction for hosts where
 * the thing does not exist yet, the only case such a value reaches a module: once the value exists,
 * check mode reads and plans as usual. A real run that still meets the placeholder fails the task
 * instead of passing it to the module.
 */
import type { Vars } from '../playbook/model.ts';
import type { ModuleOutcome } from './run-module.ts';

export const KNOWN_AFTER_APPLY = '__kplay_known_after_apply__';

/** The argument paths (`dest`, `env.PATH`, `routes[1]`) whose value holds the placeholder. */
export function unknownArgs(args: Vars): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (v.includes(KNOWN_AFTER_APPLY)) found.push(path);
    } else if (Buffer.isBuffer(v)) {
      // bytes (a file's content) hold no template value
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(args, '');
  return found;
}

/** What a task with unknown arguments reports: a change in check mode, a failure in a real run. */
export function knownAfterApplyOutcome(module: string, keys: string[], check: boolean): ModuleOutcome {
  const what = `${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} known after apply`;
  if (check) {
    return { changed: true, failed: false, skipped: false, changes: [{ summary: `${module}: would run; ${what}` }], result: {} };
  }
  return {
    changed: false,
    failed: true,
    skipped: false,
    msg: `${what} (kplay_known_after_apply) but this is a real run: the value it stands for does not exist`,
    changes: [],
    result: {},
  };
}
