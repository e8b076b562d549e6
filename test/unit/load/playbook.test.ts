/** Good paths: roles with defaults/vars/meta deps, imports, includes, inheritance, prefixes. */
import { expect } from 'chai';
import { resolve } from 'node:path';
import { KplayErrors } from '../../../engine/errors.ts';
import { loadPlaybook, loadRoleForInclude, loadTaskFile, loadVarsFile, validateModuleArgs } from '../../../engine/load/index.ts';
import type { Block, Include, Item, Play, Task } from '../../../engine/playbook/model.ts';
import { fakeModules } from './fake-modules.ts';

const FIX = resolve(import.meta.dirname, '../../fixtures/load');
const GOOD = resolve(FIX, 'good');

function load(file: string) {
  return loadPlaybook(resolve(FIX, file), { rolesPath: [], modules: fakeModules });
}

function section(play: Play, name: string): Item[] {
  return play.sections.find((s) => s.name === name)!.items;
}

function conditions(item: Item): string[] {
  return item.when.map((c) => c.source);
}

describe('loader: good playbooks', () => {
  const { playbook, warnings } = load('good/site.yml');
  const [play, imported] = playbook.plays as [Play, Play];

  it('expands import_playbook in place and applies its tags', () => {
    expect(playbook.plays).to.have.length(2);
    expect(imported.tags).to.deep.equal(['imported']);
    const setFact = section(imported, 'tasks')[0] as Task;
    expect(setFact.module).to.equal('set_fact');
    expect(setFact.tags).to.deep.equal(['imported']);
    expect(imported.serial).to.deep.equal([1, '30%']);
    expect(imported.gather_facts).to.equal(false);
    expect(imported.baseDir).to.equal(GOOD);
    expect(warnings).to.deep.equal([]);
  });

  it('reads play keywords, vars and vars_files', () => {
    expect(play.hosts).to.equal('web,db');
    expect(play.become).to.equal(true);
    expect(play.vars).to.deep.equal({ port: 80 });
    expect(play.vars_files).to.deep.equal([resolve(GOOD, 'vars/common.yml')]);
    expect(play.varsFromFiles).to.deep.equal({ common_var: 1 });
    expect(play.order).to.equal('inventory');
    expect(play.strategy).to.equal('linear');
    expect(play.loc).to.deep.equal({ file: resolve(GOOD, 'site.yml'), line: 1, col: 3 });
  });

  it('strips collection prefixes from module names', () => {
    const hello = section(play, 'pre_tasks')[0] as Task;
    expect(hello.module).to.equal('debug');
    expect(hello.args).to.deep.equal({ msg: 'hi {{ port }}' });
    expect(hello.tags).to.deep.equal(['site']);
  });

  it('applies roles with defaults, vars, params and meta dependencies first', () => {
    expect(play.roles.map((r) => [r.ref.name, r.ref.app, r.params])).to.deep.equal([
      ['web', 0, { web_port: 8080 }],
      ['base', 1, { base_flag: true }],
      ['web', 2, { web_port: 9090 }],
    ]);
    expect(play.roles[0]!.defaults).to.deep.equal({ web_mode: 'fast' });
    expect(play.roles[0]!.vars).to.deep.equal({ web_internal: 'x' });
    expect(play.roles[1]!.defaults).to.deep.equal({ base_flag: false });
    const [dep, web] = section(play, 'roles') as [Block, Block];
    expect(dep.role?.name).to.equal('base');
    expect(web.role?.name).to.equal('web');
    const depTask = dep.block[0] as Task;
    expect(depTask.role).to.deep.equal({ name: 'base', path: resolve(GOOD, 'roles/base'), app: 1 });
    const webTask = web.block[0] as Task;
    expect(webTask.module).to.equal('template');
    expect(webTask.role?.app).to.equal(0);
    // the role entry's when and tags reach the role's tasks and its dependencies' tasks
    expect(conditions(webTask)).to.deep.equal(['enable_web']);
    expect(conditions(depTask)).to.deep.equal(['enable_web']);
    expect(webTask.tags).to.deep.equal(['site', 'webtag']);
    expect(webTask.become).to.equal(true);
  });

  it('runs a role once per play unless its params differ', () => {
    const post = section(play, 'post_tasks') as Block[];
    // import_role web with other params: applied again; its dependency (same params) is not
    expect(post).to.have.length(1);
    expect(post[0]!.role?.app).to.equal(2);
  });

  it('collects handlers from roles (once) and the play', () => {
    expect(play.handlers.map((h) => [h.name, h.role?.name])).to.deep.equal([
      ['reload web', 'web'],
      ['restart', undefined],
    ]);
  });

  it('pushes block keywords into children: conditions prepended, tags united, become_user inherited', () => {
    const block = section(play, 'tasks')[0] as Block;
    expect(block.kind).to.equal('block');
    const inner = block.block[0] as Task;
    expect(conditions(inner)).to.deep.equal(['x == 1', 'y == 2']);
    expect(inner.tags).to.deep.equal(['site', 'blk', 'inner']);
    expect(inner.become_user).to.equal('app');
    // free-form with a trailing key=value option
    expect(inner.args).to.deep.equal({ cmd: 'echo hi', creates: '/tmp/x' });
    const imported = block.block[1] as Task;
    expect(imported.name).to.equal('from more');
    expect(imported.vars).to.deep.equal({ from_import: 1 });
    expect(conditions(imported)).to.deep.equal(['x == 1']);
    expect(imported.loc.file).to.equal(resolve(GOOD, 'tasks/more.yml'));
    expect(imported.notify).to.deep.equal(['restart']);
  });

  it('turns meta into a meta task and legacy key=value strings into typed args', () => {
    const block = section(play, 'tasks')[0] as Block;
    const meta = block.rescue[0] as Task;
    expect(meta.module).to.equal('meta');
    expect(meta.args).to.deep.equal({ action: 'flush_handlers' });
    const legacy = block.always[0] as Task;
    expect(legacy.args).to.deep.equal({ path: '/tmp/x', state: 'directory', recurse: true });
    expect(legacy.argLocs['path']).to.deep.equal({ file: resolve(GOOD, 'site.yml'), line: 35, col: 17 });
  });

  it('normalises with_items into loop (flattened one level)', () => {
    const t = section(play, 'tasks')[1] as Task;
    expect(t.loop).to.deep.equal(['a', 'b', 'c']);
    expect(t.loop_control).to.deep.equal({ loop_var: 'item' });
  });

  it('keeps include_tasks dynamic; at run time children get apply: keywords, not the include condition', () => {
    const inc = section(play, 'tasks')[2] as Include;
    expect(inc.kind).to.equal('include_tasks');
    expect(inc.target).to.equal('tasks/more.yml');
    expect(conditions(inc)).to.deep.equal(['dyn']);
    const items = loadTaskFile(resolve(inc.baseDir, inc.target), inc);
    const t = items[0] as Task;
    expect(t.name).to.equal('from more');
    expect(t.tags).to.deep.equal(['site', 'applied']);
    expect(conditions(t)).to.deep.equal([]);
  });

  it('loads include_role at run time with the application index the executor gives', () => {
    const inc = section(play, 'tasks')[3] as Include;
    expect(inc.kind).to.equal('include_role');
    expect(inc.tasks_from).to.equal('main');
    const r = loadRoleForInclude(inc.target, inc, 7);
    expect(r.application.ref.app).to.equal(7);
    expect(r.dependencies).to.deep.equal([]);
    const block = r.items[0] as Block;
    expect((block.block[0] as Task).role?.app).to.equal(7);
  });
});

describe('loader: action and local_action', () => {
  it('rewrites them to the module form, keeping positions; local_action delegates to localhost', () => {
    const { playbook } = load('actions.yml');
    const [local, action] = section(playbook.plays[0]!, 'tasks') as [Task, Task];
    expect(local.module).to.equal('command');
    expect(local.args).to.deep.equal({ cmd: 'echo hi' });
    expect(local.delegate_to).to.equal('localhost');
    expect(action.module).to.equal('file');
    expect(action.args).to.deep.equal({ path: '/x', state: 'directory' });
    expect(action.argLocs['state']).to.deep.equal({ file: resolve(FIX, 'actions.yml'), line: 9, col: 9 });
  });
});

describe('loader: templated values', () => {
  it('accepts a template where the schema wants another type at load time', () => {
    const { playbook } = load('templated-arg.yml');
    const t = section(playbook.plays[0]!, 'tasks')[0] as Task;
    expect(t.args).to.deep.equal({ path: '/x', recurse: '{{ r }}' });
  });

  it('validates strictly at run time, located at the argument', () => {
    const { playbook } = load('templated-arg.yml');
    const t = section(playbook.plays[0]!, 'tasks')[0] as Task;
    const errs = validateModuleArgs('ansible.builtin.file', { path: '/x', recurse: 'maybe' }, t.loc, t.argLocs, fakeModules);
    expect(errs.map((e) => e.message)).to.deep.equal(["'recurse' must be boolean, got string 'maybe'"]);
    expect(errs[0]!.loc).to.deep.equal({ file: resolve(FIX, 'templated-arg.yml'), line: 6, col: 9 });
    expect(validateModuleArgs('file', { path: '/x', recurse: true }, t.loc, t.argLocs, fakeModules)).to.deep.equal([]);
    expect(validateModuleArgs('fille', {}, t.loc, {}, fakeModules)[0]!.message).to.equal("unknown module 'fille' (did you mean 'file'?)");
  });
});

describe('loadVarsFile', () => {
  it('reads a mapping', () => {
    expect(loadVarsFile(resolve(GOOD, 'vars/common.yml'))).to.deep.equal({ common_var: 1 });
  });
  it('throws located errors', () => {
    try {
      loadVarsFile(resolve(FIX, 'bad/duplicate-key.yml'));
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(KplayErrors);
      const errs = (e as KplayErrors).errors;
      expect(errs.map((x) => [x.code, x.loc?.line])).to.deep.equal([
        ['KPLAY_YAML', 6],
        ['KPLAY_SCHEMA', 1],
      ]);
    }
  });
});

describe('loader: with the real module registry', () => {
  it('loads free-form commands, k=v options, templates and core modules', () => {
    const { playbook } = loadPlaybook(resolve(FIX, 'real/site.yml'), { rolesPath: [] });
    const tasks = section(playbook.plays[0]!, 'tasks') as Task[];
    expect(tasks.map((t) => t.module)).to.deep.equal(['command', 'shell', 'file', 'template', 'debug', 'set_fact', 'assert', 'fail']);
    expect(tasks[0]!.args).to.deep.equal({ cmd: 'echo hi', chdir: '/tmp' });
    expect(tasks[1]!.args).to.deep.equal({ cmd: 'echo $HOME | tr a-z A-Z' });
  });
});

describe('loader: paths known from extra vars, per-host paths, environment', () => {
  const { playbook, warnings } = loadPlaybook(resolve(FIX, 'templated-paths.yml'), { rolesPath: [], modules: fakeModules, extraVars: { which: 'other' } });

  it('renders import_playbook paths with extra vars', () => {
    expect(playbook.plays[0]!.loc.file).to.equal(resolve(GOOD, 'other.yml'));
  });

  it('keeps a vars_files entry that needs host vars for run time, with a warning', () => {
    const play = playbook.plays[1]!;
    expect(play.vars_files).to.deep.equal(['vars/{{ inventory_hostname }}.yml']);
    expect(warnings.map((w) => [w.message, w.loc?.line])).to.deep.equal([["vars_files entry 'vars/{{ inventory_hostname }}.yml' is a template; it is resolved per host at run time", 7]]);
  });

  it('merges environment mappings down to tasks, the task winning per variable', () => {
    const t = section(playbook.plays[1]!, 'tasks')[0] as Task;
    expect(t.environment).to.deep.equal({ A: '1', B: '2' });
  });
});

describe('loader: role entry keys', () => {
  it('passes unknown keys as parameters, warning when one looks like a misspelt keyword', () => {
    const { playbook, warnings } = loadPlaybook(resolve(GOOD, 'role-typo.yml'), { rolesPath: [], modules: fakeModules });
    expect(playbook.plays[0]!.roles[0]!.params).to.deep.equal({ whne: 'x' });
    expect(warnings.map((w) => [w.message, w.loc?.line, w.loc?.col])).to.deep.equal([["'whne' is passed to role as a parameter; did you mean the keyword 'when'?", 4, 7]]);
  });
});
