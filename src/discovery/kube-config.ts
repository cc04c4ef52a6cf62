import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** Where the service account's token lives inside a pod. */
const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The API server to talk to: the kubeconfig file when one is given (a laptop reading one node),
 * otherwise the pod's own service account. Throws a sentence an operator can act on.
 */
export function loadKubeConfig(kubeconfig: string | undefined, tokenPath = IN_CLUSTER_TOKEN): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) throw new Error(`kubeconfig ${kubeconfig} does not exist`);
    kc.loadFromFile(kubeconfig);
    if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${kubeconfig} has no current cluster`);
    return kc;
  }
  if (!process.env.KUBERNETES_SERVICE_HOST || !existsSync(tokenPath)) {
    throw new Error(
      'not running in a pod (no KUBERNETES_SERVICE_HOST or service account token): give --kubeconfig or set KUBECONFIG',
    );
  }
  kc.loadFromCluster();
  return kc;
}
