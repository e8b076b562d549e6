/** cluster modules. */
import type { AnyModule } from '../api.ts';
import { cert } from './cert/cert.ts';
import { kubeconfig } from './kubeconfig/kubeconfig.ts';
import { iptables } from './iptables/iptables.ts';
import { iptablesRuleset } from './iptables/ruleset.ts';
import { download } from './download/download.ts';
import { k8s } from './k8s/k8s.ts';
import { secretKey } from './secret_key/secret_key.ts';
import { helm } from './helm/helm.ts';
import { containerdImage } from './containerd_image/containerd_image.ts';

export const clusterModules: Record<string, AnyModule> = { cert, kubeconfig, iptables, iptables_ruleset: iptablesRuleset, download, k8s, secret_key: secretKey, helm, containerd_image: containerdImage };
