/** system modules. */
import type { AnyModule } from '../api.ts';

export const systemModules: Record<string, AnyModule> = {};
