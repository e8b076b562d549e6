/** cluster modules. */
import type { AnyModule } from '../api.ts';
import { cert } from './cert/cert.ts';
import { kubeconfig } from './kubeconfig/kubeconfig.ts';

export const clusterModules: Record<string, AnyModule> = { cert, kubeconfig };
