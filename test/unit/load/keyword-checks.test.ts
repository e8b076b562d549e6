/**
 * Load-time checks of keyword values (booleans in YAML 1.1 forms, integers, no template where
 * kplay does not render one) and of notify (a handler or listen topic of the play, in any scope).
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KplayErrors } from '../../../engine/errors.ts';
import { loadPlaybook, type LoadWarning } from '../../../engine/load/index.ts';
import type { Block, Play, Task } from '../../../engine/playbook/model.ts';
import { fakeModules } from './fake-modules.ts';

let dir: string;

function write(files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return join(dir, 'site.yml');
}

/** Loads site.yml among `files`: the errors as "line:col message" (file name too when not site.yml), or the playbook. */
function load(files: Record<string, string>): { errors: string[]; plays: Play[]; warnings: LoadWarning[] } {
  const file = write(files);
  try {
    const r = loadPlaybook(file, { rolesPath: [], modules: fakeModules });
    return { errors: [], plays: r.playbook.plays, warnings: r.warnings };
  } catch (e) {
    if (!(e instanceof KplayErrors)) throw e;
    const errors = e.errors.map((x) => `${x.loc?.file === file ? '' : `${x.loc?.file?.slice(dir.length + 1)}:`}${x.loc?.line}:${x.loc?.col} ${x.message}`);
    return { errors, plays: [], warnings: [] };
  }
}

const task = (extra: string) => `- hosts: all\n  tasks:\n    - name: t\n      debug: msg=hi\n${extra}`;

describe('loader: keyword values', () => {
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kplay-kw-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a boolean keyword with a word that is no YAML 1.1 boolean', () => {
    for (const word of ['maybe', 'y', 'n', '1', 'enabled']) {
      expect(load({ 'site.yml': task(`      run_once: ${word}\n`) }).errors).to.deep.equal([
        `5:17 'run_once' must be a boolean (true/false, yes/no, on/off), got ${word === '1' ? 'integer 1' : `string '${word}'`}`,
      ]);
    }
  });

  it('reads a quoted YAML 1.1 boolean as the boolean (Ansible does), at every level', () => {
    const { errors, plays } = load({
      'site.yml':
        '- hosts: all\n  gather_facts: "no"\n  become: "yes"\n  tasks:\n    - block:\n        - name: t\n          debug: msg=hi\n          no_log: "True"\n          loop: [1]\n          loop_control: {extended: "on"}\n      ignore_errors: "off"\n',
    });
    expect(errors).to.deep.equal([]);
    const play = plays[0]!;
    expect(play.gather_facts).to.equal(false);
    expect(play.become).to.equal(true);
    const block = play.sections.find((s) => s.name === 'tasks')!.items[0] as Block;
    const t = block.block[0] as Task;
    expect(t.no_log).to.equal(true);
    expect(t.ignore_errors).to.equal(false);
    expect(t.become).to.equal(true);
    expect(t.loop_control.extended).to.equal(true);
  });

  it('refuses a word in an integer keyword', () => {
    expect(load({ 'site.yml': task('      throttle: many\n      retries: lots\n      delay: soon\n      until: x\n') }).errors).to.deep.equal([
      "5:17 'throttle' must be an integer >= 1, got string 'many'",
      "6:16 'retries' must be an integer >= 0, got string 'lots'",
      "7:14 'delay' must be a number >= 0, got string 'soon'",
    ]);
    expect(load({ 'site.yml': '- hosts: all\n  port: eighty\n  max_fail_percentage: half\n  tasks: []\n' }).errors).to.deep.equal([
      "3:24 'max_fail_percentage' must be a number from 0 to 100, got string 'half'",
      "2:9 'port' must be an integer from 1 to 65535, got string 'eighty'",
    ]);
  });

  it('accepts a template in throttle, port, delegate_to, retries and delay (the shipped roles template retries and delay)', () => {
    const r = load({
      'site.yml': '- hosts: all\n  port: "{{p}}"\n  tasks:\n    - name: t\n      debug: msg=hi\n      throttle: "{{n}}"\n      retries: "{{r}}"\n      delay: "{{d}}"\n      until: x\n      delegate_to: "{{h}}"\n',
    });
    expect(r.errors).to.deep.equal([]);
  });

  it('refuses a template where kplay would read the raw text (booleans, serial, become_method, pause)', () => {
    expect(
      load({
        'site.yml':
          '- hosts: all\n  serial: "{{s}}"\n  gather_facts: "{{g}}"\n  tasks:\n    - name: t\n      debug: msg=hi\n      become: "{{b}}"\n      become_method: "{{m}}"\n      loop: [1]\n      loop_control: {pause: "{{p}}"}\n',
      }).errors.map((e) => e.replace(/, not a template.*/, '')),
    ).to.deep.equal([
      "2:11 'serial' must be a number, a percentage or a list of them",
      "3:17 'gather_facts' must be a boolean (true/false, yes/no, on/off)",
      "7:15 'become' must be a boolean (true/false, yes/no, on/off)",
      "8:22 'become_method' must be sudo or su",
      "10:29 'loop_control.pause' must be a number of seconds",
    ]);
  });

  it('checks role entries, import_role options and role meta, leaving role parameters alone', () => {
    const r = load({
      'site.yml': '- hosts: all\n  roles:\n    - role: r\n      become: sometimes\n      public: maybe\n      extended: whatever\n',
      'roles/r/tasks/main.yml': '- debug: msg=r\n',
      'roles/r/meta/main.yml': 'allow_duplicates: perhaps\n',
    });
    expect(r.errors).to.deep.equal([
      "4:15 'become' must be a boolean (true/false, yes/no, on/off), got string 'sometimes'",
      "5:15 'public' must be a boolean (true/false, yes/no, on/off), got string 'maybe'",
      "roles/r/meta/main.yml:1:19 'allow_duplicates' must be a boolean (true/false, yes/no, on/off), got string 'perhaps'",
    ]);
  });
});

describe('loader: notify names a handler of the play', () => {
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kplay-notify-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const notifying = (names: string[]) => `    - name: t\n      debug: msg=hi\n      notify: [${names.map((n) => JSON.stringify(n)).join(', ')}]\n`;

  it('finds handlers of the play, of its roles and their dependencies, listen topics and imported handler files', () => {
    const r = load({
      'site.yml': `- hosts: all\n  roles: [a]\n  handlers:\n    - name: play handler\n      debug: msg=x\n  tasks:\n${notifying(['play handler', 'role handler', 'dep handler', 'a topic', 'imported one'])}`,
      'roles/a/tasks/main.yml': `- name: in role\n  debug: msg=x\n  notify: play handler\n`,
      'roles/a/handlers/main.yml': '- name: role handler\n  debug: msg=x\n  listen: a topic\n- import_tasks: more.yml\n',
      'roles/a/handlers/more.yml': '- name: imported one\n  debug: msg=x\n',
      'roles/a/meta/main.yml': 'dependencies: [b]\n',
      'roles/b/tasks/main.yml': '- debug: msg=b\n',
      'roles/b/handlers/main.yml': '- name: dep handler\n  debug: msg=x\n',
    });
    expect(r.errors).to.deep.equal([]);
    expect(r.warnings).to.deep.equal([]);
  });

  it('refuses an unknown name at the notify line, in tasks, roles and handlers', () => {
    const r = load({
      'site.yml': `- hosts: all\n  roles: [a]\n  handlers:\n    - name: h1\n      debug: msg=x\n      notify: h3\n  tasks:\n${notifying(['h1', 'h2'])}`,
      'roles/a/tasks/main.yml': '- name: in role\n  debug: msg=x\n  notify: "a : h1"\n',
    });
    expect(r.errors).to.deep.equal([
      "roles/a/tasks/main.yml:3:11 notify 'a : h1' names no handler or listen topic of this play (did you mean 'h1'?)",
      "10:22 notify 'h2' names no handler or listen topic of this play (did you mean 'h1'?)",
      "6:15 notify 'h3' names no handler or listen topic of this play (did you mean 'h1'?)",
    ]);
  });

  it('a handler of another play does not count', () => {
    const r = load({
      'site.yml': `- hosts: all\n  handlers:\n    - name: h\n      debug: msg=x\n- hosts: all\n  tasks:\n${notifying(['h'])}`,
    });
    expect(r.errors).to.deep.equal(["9:16 notify 'h' names no handler or listen topic of this play"]);
  });

  it('accepts a templated notify and a name a templated handler name matches', () => {
    const r = load({
      'site.yml': `- hosts: all\n  handlers:\n    - name: "restart {{ svc }}"\n      debug: msg=x\n  tasks:\n${notifying(['restart nginx', '{{ which }}'])}`,
    });
    expect(r.errors).to.deep.equal([]);
  });

  it('reads the handlers of a role brought by include_role with a static name', () => {
    const files = {
      'site.yml': `- hosts: all\n  tasks:\n    - include_role: {name: c}\n${notifying(['c handler', 'nope'])}`,
      'roles/c/tasks/main.yml': '- debug: msg=c\n',
      'roles/c/handlers/main.yml': '- name: c handler\n  debug: msg=x\n',
    };
    expect(load(files).errors).to.deep.equal(["6:29 notify 'nope' names no handler or listen topic of this play"]);
  });

  it('only warns when an include_role cannot be known at load time (Ansible would decide at run time)', () => {
    const r = load({
      'site.yml': `- hosts: all\n  tasks:\n    - include_role: {name: "{{ which }}"}\n${notifying(['from somewhere'])}`,
    });
    expect(r.errors).to.deep.equal([]);
    expect(r.warnings.map((w) => `${w.loc?.line}:${w.loc?.col} ${w.message}`)).to.deep.equal([
      "6:16 notify 'from somewhere' names no handler known at load time; it may come from include_role '{{ which }}' at run time",
    ]);
  });

  it('an include_tasks file without include_role brings no handler; one with it makes a miss a warning', () => {
    const plain = load({ 'site.yml': `- hosts: all\n  tasks:\n    - include_tasks: t.yml\n${notifying(['x'])}`, 't.yml': '- debug: msg=t\n' });
    expect(plain.errors).to.deep.equal(["6:16 notify 'x' names no handler or listen topic of this play"]);
    const withRole = load({ 'site.yml': `- hosts: all\n  tasks:\n    - include_tasks: t.yml\n${notifying(['x'])}`, 't.yml': '- include_role: {name: "{{r}}"}\n' });
    expect(withRole.errors).to.deep.equal([]);
    expect(withRole.warnings).to.have.length(1);
  });
});
