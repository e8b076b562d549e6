/** cluster modules. */
import type { AnyModule } from '../api.ts';

export const clusterModules: Record<string, AnyModule> = {};
