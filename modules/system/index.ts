/** system modules. */
import type { AnyModule } from '../api.ts';
import { blockinfile } from './blockinfile.ts';
import { command } from './command.ts';
import { copy } from './copy.ts';
import { file } from './file.ts';
import { lineinfile } from './lineinfile.ts';
import { shell } from './shell.ts';
import { template } from './template.ts';

export const systemModules: Record<string, AnyModule> = {
  blockinfile,
  command,
  copy,
  file,
  lineinfile,
  shell,
  template,
};
