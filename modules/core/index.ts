/** core modules. */
import type { AnyModule } from '../api.ts';

export const coreModules: Record<string, AnyModule> = {};
