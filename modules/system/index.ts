/** system modules. */
import type { AnyModule } from '../api.ts';
import { copy } from './copy.ts';
import { file } from './file.ts';
import { template } from './template.ts';

export const systemModules: Record<string, AnyModule> = {
  copy,
  file,
  template,
};
