/**
 * Bad input: each fixture in test/fixtures/load/bad must fail to load with the exact
 * file:line:col and a one-line reason. All errors of a file are reported, not only the first.
 */
import { expect } from 'chai';
import { resolve } from 'node:path';
import { KplayErrors, type KplayError, type KplayErrorCode } from '../../../engine/errors.ts';
import { loadPlaybook } from '../../../engine/load/index.ts';
import { fakeModules } from './fake-modules.ts';

const BAD = resolve(import.meta.dirname, '../../fixtures/load/bad');

function errorsOf(name: string): KplayError[] {
  try {
    loadPlaybook(resolve(BAD, name), { rolesPath: [], modules: fakeModules });
  } catch (e) {
    if (e instanceof KplayErrors) return e.errors;
    throw e;
  }
  throw new Error(`${name} loaded without errors`);
}

interface Expected {
  code: KplayErrorCode;
  line: number;
  col: number;
  message: string | RegExp;
}

function expectOnly(name: string, want: Expected): void {
  const errs = errorsOf(name);
  expect(errs.map((e) => `${e.loc?.line}:${e.loc?.col} ${e.message}`)).to.have.length(1);
  expectError(errs[0]!, name, want);
}

function expectError(err: KplayError, name: string, want: Expected): void {
  expect(err.code).to.equal(want.code);
  expect(err.loc, 'location').to.deep.equal({ file: resolve(BAD, name), line: want.line, col: want.col });
  if (typeof want.message === 'string') expect(err.message).to.equal(want.message);
  else expect(err.message).to.match(want.message);
  expect(err.message, 'one line').to.not.include('\n');
}

describe('loader: bad input is located and explained', () => {
  const cases: [string, Expected][] = [
    ['yaml-syntax.yml', { code: 'KPLAY_YAML', line: 4, col: 25, message: 'YAML: missed comma between flow collection entries' }],
    ['tab.yml', { code: 'KPLAY_YAML', line: 3, col: 1, message: 'YAML: tab characters must not be used in indentation' }],
    ['duplicate-key.yml', { code: 'KPLAY_YAML', line: 6, col: 7, message: "duplicate key 'name' (first defined on line 3)" }],
    ['unknown-keyword.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 7, message: "unknown keyword 'whn' for a task (did you mean 'when'?)" }],
    ['unknown-module.yml', { code: 'KPLAY_UNKNOWN_MODULE', line: 4, col: 7, message: "unknown module 'debgu' (did you mean 'debug'?)" }],
    ['two-modules.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 7, message: "two modules in one task: 'debug' and 'command' (split it into two tasks)" }],
    ['wrong-type.yml', { code: 'KPLAY_SCHEMA', line: 6, col: 18, message: "'recurse' must be boolean, got list" }],
    ['missing-required.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 9, message: "missing required argument 'path' for module file" }],
    ['unknown-arg.yml', { code: 'KPLAY_SCHEMA', line: 6, col: 9, message: "unknown argument 'stat' for module file (did you mean 'state'?)" }],
    ['bad-enum.yml', { code: 'KPLAY_SCHEMA', line: 6, col: 16, message: "'state' must be one of: file, directory, touch, absent; got 'dir'" }],
    ['bad-when.yml', { code: 'KPLAY_EXPRESSION', line: 5, col: 18, message: /x == = 1/ }],
    ['missing-vars-file.yml', { code: 'KPLAY_FILE_NOT_FOUND', line: 3, col: 7, message: 'vars_files: file not found: vars/nope.yml' }],
    ['missing-import.yml', { code: 'KPLAY_FILE_NOT_FOUND', line: 3, col: 21, message: 'import_tasks: file not found: tasks/nope.yml' }],
    ['missing-template.yml', { code: 'KPLAY_FILE_NOT_FOUND', line: 5, col: 14, message: 'template: src file not found: nope.hbs' }],
    ['missing-role.yml', { code: 'KPLAY_FILE_NOT_FOUND', line: 3, col: 13, message: "role 'wbe' not found (did you mean 'web'?)" }],
    ['argspec-type.yml', { code: 'KPLAY_ROLE', line: 4, col: 17, message: "role web: 'web_port' must be an integer, got 'eighty'" }],
    ['argspec-required.yml', { code: 'KPLAY_ROLE', line: 3, col: 7, message: "missing required role parameter 'web_port' for role web" }],
    ['bad-serial.yml', { code: 'KPLAY_SCHEMA', line: 2, col: 11, message: `'serial' must be a positive integer, a percentage like "30%", or a list of them, got '30x'` }],
    ['bad-loop-control.yml', { code: 'KPLAY_SCHEMA', line: 7, col: 9, message: "unknown keyword 'loop_control.loop_vars' for a task (did you mean 'loop_var'?)" }],
    ['no-hosts.yml', { code: 'KPLAY_SCHEMA', line: 1, col: 3, message: "play has no 'hosts' (which hosts should it run on?)" }],
    ['block-module.yml', { code: 'KPLAY_SCHEMA', line: 6, col: 7, message: "a block cannot call a module ('command'); move it into a task under 'block:'" }],
    ['handler-no-name.yml', { code: 'KPLAY_SCHEMA', line: 3, col: 7, message: "handler has no 'name' (handlers are notified by name or 'listen')" }],
    ['bad-notify.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 15, message: "'notify' must be string or list, got mapping" }],
    ['exclusive-args.yml', { code: 'KPLAY_SCHEMA', line: 6, col: 15, message: 'command: cmd and argv are mutually exclusive' }],
    ['bad-meta.yml', { code: 'KPLAY_SCHEMA', line: 4, col: 13, message: /^unknown meta action "flush_handler" \(did you mean 'flush_handlers'\?\)/ }],
    ['bad-kv.yml', { code: 'KPLAY_SCHEMA', line: 4, col: 13, message: 'module file takes a mapping of arguments or key=value pairs, not free-form text' }],
    ['bad-strategy.yml', { code: 'KPLAY_SCHEMA', line: 2, col: 13, message: "'strategy' must be one of: linear, free; got 'fre'" }],
    ['import-playbook-typo.yml', { code: 'KPLAY_SCHEMA', line: 2, col: 3, message: "unknown keyword 'import_playbok' for a play (did you mean 'import_playbook'?)" }],
    ['bad-bool-keyword.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 15, message: "'become' must be a boolean (true/false, yes/no, on/off), got string 'maybe'" }],
    ['bad-int-keyword.yml', { code: 'KPLAY_SCHEMA', line: 2, col: 9, message: "'port' must be an integer from 1 to 65535, got string 'eighty'" }],
    [
      'templated-bool-keyword.yml',
      { code: 'KPLAY_SCHEMA', line: 5, col: 15, message: "'no_log' must be a boolean (true/false, yes/no, on/off), not a template: kplay reads this keyword without rendering it" },
    ],
    ['notify-missing.yml', { code: 'KPLAY_SCHEMA', line: 10, col: 11, message: "notify 'restart wbe' names no handler or listen topic of this play (did you mean 'restart web'?)" }],
    ['bad-register.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 17, message: "'register' must be a variable name (letters, digits, _), got 'my-var'" }],
  ];
  for (const [name, want] of cases) {
    it(`${name}: ${want.message}`, () => expectOnly(name, want));
  }

  it('reports an error in a role applied twice once', () => {
    const errs = errorsOf('role-twice.yml');
    expect(errs.map((e) => `${e.loc?.line}:${e.loc?.col} ${e.message}`)).to.deep.equal(["3:5 unknown argument 'mesg' for module debug (did you mean 'msg'?)"]);
    expect(errs[0]!.loc?.file).to.equal(resolve(BAD, 'roles/twice/tasks/main.yml'));
  });

  it('explains legacy keys instead of guessing', () => {
    const errs = errorsOf('legacy.yml');
    expect(errs.map((e) => `${e.loc?.line}:${e.loc?.col} ${e.message}`)).to.deep.equal([
      "4:7 'include' is gone: use import_tasks (static) or include_tasks (dynamic)",
      "7:7 'with_dict' is not supported: loop over a list instead",
    ]);
  });

  it('reports every error of a file, not only the first', () => {
    const errs = errorsOf('many-errors.yml');
    expect(errs).to.have.length(2);
    expectError(errs[0]!, 'many-errors.yml', { code: 'KPLAY_SCHEMA', line: 5, col: 7, message: "unknown keyword 'whn' for a task (did you mean 'when'?)" });
    expectError(errs[1]!, 'many-errors.yml', { code: 'KPLAY_SCHEMA', line: 8, col: 15, message: "'path' must be string, got integer 1" });
  });
});

describe('loader: template syntax is checked at load time', () => {
  it('an unknown filter in a {{ }} expression is located at the filter, with did you mean', () => {
    const errs = errorsOf('jinja-filter.yml');
    expect(errs).to.have.length(1);
    expectError(errs[0]!, 'jinja-filter.yml', { code: 'KPLAY_TEMPLATE', line: 5, col: 22, message: /unknown filter 'defualt'/ });
    expect(errs[0]!.hint).to.include("did you mean 'default'?");
  });
  it('a Handlebars syntax error is located in the value', () => {
    const errs = errorsOf('bad-template.yml');
    expect(errs).to.have.length(1);
    expect(errs[0]!.code).to.equal('KPLAY_TEMPLATE');
    expect(errs[0]!.loc?.line).to.equal(5);
  });
});
