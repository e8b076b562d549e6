/**
 * The playbook of the taint tests (issue 18): a host hands back text that is a template
 * (`{{lookup 'file' <controller secret>}}`, `{{lookup 'env' …}}`); every way that text can flow
 * into a value must write it literally, never what the lookup would read on the controller.
 */

/** The payloads a hostile host returns; each must arrive on the host verbatim. */
export function payloads(secretFile: string, envName: string): { file: string; env: string; missing: string } {
  return {
    file: `{{lookup 'file' '${secretFile}'}}`,
    env: `{{lookup 'env' '${envName}'}}`,
    // rendering this would fail the task: a condition that reads it must not render it
    missing: `{{lookup 'file' '/nonexistent/kplay-taint'}}`,
  };
}

/**
 * `dir` is a directory on the host holding `payload` (the file payload on line 1, the env payload
 * on line 2) and `missing` (the missing payload); outputs go to `dir/out/`. `templateSrc` is LEAK_TEMPLATE on the controller.
 */
export function taintPlaybook(hosts: string, dir: string, templateSrc: string): string {
  return `
- hosts: ${hosts}
  gather_facts: false
  tasks:
    - name: read the host's banner
      command: cat ${dir}/payload
      register: banner
    - name: read the host's banner, no register
      command: cat ${dir}/missing
      register: hostile
      changed_when: "'x' in hostile.stdout"
      failed_when: "hostile.rc != 0 and hostile.stdout != ''"
    - name: straight from the registered result
      copy: { dest: "${dir}/out/register", content: "{{banner.stdout}}" }
    - name: a line of it
      copy: { dest: "${dir}/out/register-line", content: "{{lookup banner.stdout_lines 1}}" }
    - name: carried by set_fact
      set_fact:
        fact_text: "{{banner.stdout}}"
        fact_dict: { inner: { text: "{{banner.stdout}}" } }
        fact_list: "{{banner.stdout_lines}}"
    - name: a set_fact string
      copy: { dest: "${dir}/out/set_fact", content: "{{fact_text}}" }
    - name: nested in a dict
      copy: { dest: "${dir}/out/nested", content: "{{fact_dict.inner.text}}" }
    - name: nested in a task var
      vars: { wrapped: { deep: ["{{banner.stdout}}"] } }
      copy: { dest: "${dir}/out/task-var", content: "{{lookup wrapped.deep 0}}" }
    - name: through hostvars
      copy: { dest: "${dir}/out/hostvars", content: "{{lookup (lookup hostvars inventory_hostname) 'fact_text'}}" }
    - name: a loop item
      copy: { dest: "${dir}/out/loop-{{idx}}", content: "{{item}}" }
      loop: "{{fact_list}}"
      loop_control: { index_var: idx }
    - name: a template file's variable
      template: { src: "${templateSrc}", dest: "${dir}/out/template" }
    - name: a registered result read by a later set_fact of a set_fact
      set_fact: { second_hand: "{{fact_text}}" }
    - copy: { dest: "${dir}/out/second-hand", content: "{{second_hand}}" }
    - name: a rescue's failed result
      block:
        - command: "sh -c 'cat ${dir}/payload >&2; exit 3'"
      rescue:
        - copy: { dest: "${dir}/out/rescue", content: "{{ansible_failed_result.stderr}}" }
`;
}

/** A template file (controller side) whose variables are host data. */
export const LEAK_TEMPLATE = 'fact={{fact_text}}\nregister={{banner.stdout}}\n';

/** The files the playbook writes under out/ and what each must hold, given the payload file's lines. */
export function expectedOutputs(file: string, env: string): Record<string, string> {
  const both = `${file}\n${env}`;
  return {
    register: both,
    'register-line': env,
    set_fact: both,
    nested: both,
    'task-var': both,
    hostvars: both,
    'loop-0': file,
    'loop-1': env,
    template: `fact=${both}\nregister=${both}\n`,
    'second-hand': both,
    rescue: both,
  };
}
